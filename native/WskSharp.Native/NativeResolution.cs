using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Native;

/// <summary>
/// Name resolution through the C face: <c>UNICODE_STRING</c> names and <c>ADDRINFOEXW</c> hints in, the WSK layer's
/// resolution, and its result as a C <c>ADDRINFOEXW</c> list (Windows' field order) written to <c>*Result</c> when the
/// request completes, before the driver's routine runs; <c>WskFreeAddressInfo</c> frees that list.
/// </summary>
internal static unsafe class NativeResolution
{
    // ADDRINFOEXW (72 bytes): flags, family, socktype, protocol (int each), addrlen, canonname, addr, blob, bufferlen,
    // provider, next (8 bytes each).
    private const int EntrySize = 72;

    /// <summary>A counted UTF-16 string as a managed string; null for a null pointer.</summary>
    public static string? String(ushort* unicodeString)
    {
        if (unicodeString is null)
        {
            return null;
        }

        ushort length = unicodeString[0];
        char* buffer = *(char**)((byte*)unicodeString + 8);
        return buffer is null ? string.Empty : new string(buffer, 0, length / 2);
    }

    /// <summary>The hints, read as the WSK layer checks them (a canonical name, address or next in hints is refused there).</summary>
    public static WskAddrInfo? Hints(byte* hints)
    {
        if (hints is null)
        {
            return null;
        }

        char* canonical = *(char**)(hints + 24);
        byte* address = *(byte**)(hints + 32);
        byte* next = *(byte**)(hints + 64);
        return new WskAddrInfo
        {
            Flags = *(int*)hints,
            Family = (ushort)*(int*)(hints + 4),
            SocketType = (ushort)*(int*)(hints + 8),
            Protocol = (uint)*(int*)(hints + 12),
            CanonicalName = canonical is null ? null : new string(canonical),
            Address = address is null ? null : NativeAddress.Read(address),
            Next = next is null ? null : new WskAddrInfo(),
        };
    }

    /// <summary>Completion of WskGetAddressInfo: the C list (or NULL) goes to <c>*Result</c>.</summary>
    public static NtStatus WriteResult(NativeIrp request, NtStatus status)
    {
        var box = (StrongBox<WskAddrInfo?>)request.ResultState!;
        var result = (nint*)request.ResultOut;
        if (result is not null)
        {
            *result = status.IsSuccess && box.Value is { } list ? Build(list) : 0;
        }

        return status;
    }

    /// <summary>One native block per entry: the ADDRINFOEXW, its SOCKADDR (28 bytes room), then its canonical name.</summary>
    private static nint Build(WskAddrInfo list)
    {
        byte* first = null, previous = null;
        foreach (WskAddrInfo entry in list.AsEnumerable())
        {
            int nameBytes = entry.CanonicalName is { } name ? (name.Length + 1) * 2 : 0;
            var block = (byte*)NativeMemory.AllocZeroed((nuint)(EntrySize + Ws2Def.SOCKADDR_IN6_SIZE + nameBytes));
            *(int*)block = entry.Flags;
            *(int*)(block + 4) = entry.Family;
            *(int*)(block + 8) = entry.SocketType;
            *(int*)(block + 12) = (int)entry.Protocol;
            if (entry.Address is { } address)
            {
                byte* sockaddr = block + EntrySize;
                NativeAddress.Write(sockaddr, address);
                *(nuint*)(block + 16) = (nuint)address.Length;
                *(byte**)(block + 32) = sockaddr;
            }

            if (entry.CanonicalName is { } canonical)
            {
                var text = (char*)(block + EntrySize + Ws2Def.SOCKADDR_IN6_SIZE);
                canonical.AsSpan().CopyTo(new Span<char>(text, canonical.Length));
                text[canonical.Length] = '\0';
                *(char**)(block + 24) = text;
            }

            if (previous is null)
            {
                first = block;
            }
            else
            {
                *(byte**)(previous + 64) = block;
            }

            previous = block;
        }

        return (nint)first;
    }

    /// <summary>WskFreeAddressInfo: frees a list <see cref="Build"/> made.</summary>
    public static void Free(byte* list)
    {
        while (list is not null)
        {
            byte* next = *(byte**)(list + 64);
            NativeMemory.Free(list);
            list = next;
        }
    }
}
