using System.Buffers.Binary;
using WskSharp.FastOpen;
using WskSharp.Internal;
using WskSharp.Nt;
using WskSharp.Ws2;

namespace WskSharp.Wsk;

/// <summary>
/// The provider's adaptive Fast Open memory, through <c>WskControlClient</c> with WskSharp's own control codes:
/// <see cref="WSKSHARP_FASTOPEN_MEMORY_QUERY"/> lists what the provider remembers of each destination,
/// <see cref="WSKSHARP_FASTOPEN_MEMORY_CLEAR"/> forgets one destination (input: its SOCKADDR) or all (no input).
/// </summary>
public static class WskFastOpenMemory
{
    /// <summary>WskControlClient code: writes one <see cref="EntrySize"/>-byte record per destination, most recently used
    /// first. With too small an output: STATUS_BUFFER_TOO_SMALL, and OutputSizeReturned says the size needed.</summary>
    public const uint WSKSHARP_FASTOPEN_MEMORY_QUERY = 0x57530001;

    /// <summary>WskControlClient code: forgets the destination whose SOCKADDR is the input, or every destination when there
    /// is no input; a 4-byte output (if given) receives how many entries went.</summary>
    public const uint WSKSHARP_FASTOPEN_MEMORY_CLEAR = 0x57530002;

    /// <summary>The size of one record: SOCKADDR (28 bytes, Windows layout, zero-padded), outcome (1), probing (1),
    /// failures (u16), not acknowledged (u16), reserved (u16), backoff end as Unix milliseconds (i64, 0 = none), reserved (4).</summary>
    public const int EntrySize = 48;

    /// <summary>The destinations the provider of <paramref name="npi"/> remembers.</summary>
    /// <exception cref="InvalidOperationException">The control call failed (its status is in the message).</exception>
    public static IReadOnlyList<WskFastOpenMemoryEntry> Query(WskProviderNpi npi)
    {
        ArgumentNullException.ThrowIfNull(npi);
        byte[] output = new byte[EntrySize * 16];
        while (true)
        {
            NtStatus status = npi.Dispatch.WskControlClient(npi.Client, WSKSHARP_FASTOPEN_MEMORY_QUERY, 0, default, (nuint)output.Length, output, out nuint returned, null);
            if (status == NtStatus.BufferTooSmall && returned > (nuint)output.Length)
            {
                output = new byte[(int)returned];
                continue;
            }

            if (status != NtStatus.Success)
            {
                throw new InvalidOperationException($"WskControlClient(WSKSHARP_FASTOPEN_MEMORY_QUERY) failed: {status}");
            }

            var entries = new List<WskFastOpenMemoryEntry>((int)returned / EntrySize);
            for (int offset = 0; offset + EntrySize <= (int)returned; offset += EntrySize)
            {
                entries.Add(ReadEntry(output.AsSpan(offset, EntrySize)));
            }

            return entries;
        }
    }

    /// <summary>Forgets <paramref name="destination"/>, or every destination when null; returns how many entries went.</summary>
    /// <exception cref="InvalidOperationException">The control call failed.</exception>
    public static int Clear(WskProviderNpi npi, SockAddr? destination = null)
    {
        ArgumentNullException.ThrowIfNull(npi);
        Span<byte> input = stackalloc byte[Ws2Def.SOCKADDR_IN6_SIZE];
        int inputSize = destination?.WriteTo(input) ?? 0;
        Span<byte> output = stackalloc byte[4];
        NtStatus status = npi.Dispatch.WskControlClient(npi.Client, WSKSHARP_FASTOPEN_MEMORY_CLEAR, (nuint)inputSize, input, 4, output, out _, null);
        return status == NtStatus.Success
            ? BinaryPrimitives.ReadInt32LittleEndian(output)
            : throw new InvalidOperationException($"WskControlClient(WSKSHARP_FASTOPEN_MEMORY_CLEAR) failed: {status}");
    }

    /// <summary>The provider side of both codes.</summary>
    internal static NtStatus Control(FastOpenMemory memory, uint controlCode, ReadOnlySpan<byte> input, Span<byte> output, out nuint returned)
    {
        returned = 0;
        switch (controlCode)
        {
            case WSKSHARP_FASTOPEN_MEMORY_QUERY:
                List<FastOpenMemory.Snapshot> entries = memory.List();
                int needed = entries.Count * EntrySize;
                if (output.Length < needed)
                {
                    returned = (nuint)needed;
                    return NtStatus.BufferTooSmall;
                }

                for (int i = 0; i < entries.Count; i++)
                {
                    WriteEntry(entries[i], output.Slice(i * EntrySize, EntrySize));
                }

                returned = (nuint)needed;
                return NtStatus.Success;

            case WSKSHARP_FASTOPEN_MEMORY_CLEAR:
                SockAddr? one = null;
                if (!input.IsEmpty)
                {
                    if (SockAddr.TryRead(input, out SockAddr destination) != NtStatus.Success)
                    {
                        return NtStatus.InvalidParameter;
                    }

                    one = destination;
                }

                int cleared = memory.Clear(one);
                if (output.Length >= 4)
                {
                    BinaryPrimitives.WriteInt32LittleEndian(output, cleared);
                    returned = 4;
                }

                return NtStatus.Success;

            default:
                return NtStatus.NotSupported;
        }
    }

    private static void WriteEntry(in FastOpenMemory.Snapshot entry, Span<byte> destination)
    {
        destination.Clear();
        entry.Destination.WriteTo(destination);
        destination[28] = (byte)entry.Last;
        destination[29] = entry.Probing ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[30..], (ushort)Math.Min(entry.Failures, ushort.MaxValue));
        BinaryPrimitives.WriteUInt16LittleEndian(destination[32..], (ushort)Math.Min(entry.NotAcknowledged, ushort.MaxValue));
        BinaryPrimitives.WriteInt64LittleEndian(destination[36..], entry.BackoffUntil?.ToUnixTimeMilliseconds() ?? 0);
    }

    private static WskFastOpenMemoryEntry ReadEntry(ReadOnlySpan<byte> source)
    {
        SockAddr.TryRead(source[..28], out SockAddr destination);
        long until = BinaryPrimitives.ReadInt64LittleEndian(source[36..]);
        return new WskFastOpenMemoryEntry(destination, (WskFastOpenOutcome)source[28],
            BinaryPrimitives.ReadUInt16LittleEndian(source[30..]), BinaryPrimitives.ReadUInt16LittleEndian(source[32..]),
            until == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(until), source[29] != 0);
    }
}
