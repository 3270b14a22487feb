using System.Buffers.Binary;

namespace WskSharp.Fuzz;

/// <summary>
/// Reads a fuzz input front to back. Past the end every read yields zeros, so any prefix of a meaningful input is itself
/// meaningful and afl's trimming and splicing keep producing valid-looking requests.
/// </summary>
internal ref struct FuzzInput(ReadOnlySpan<byte> data)
{
    private ReadOnlySpan<byte> _rest = data;

    public readonly bool IsEmpty => _rest.IsEmpty;

    public readonly int Remaining => _rest.Length;

    public byte Byte()
    {
        if (_rest.IsEmpty)
        {
            return 0;
        }

        byte value = _rest[0];
        _rest = _rest[1..];
        return value;
    }

    public ushort UInt16() => (ushort)(Byte() | (Byte() << 8));

    public uint UInt32()
    {
        Span<byte> bytes = stackalloc byte[4];
        Fill(bytes);
        return BinaryPrimitives.ReadUInt32LittleEndian(bytes);
    }

    public ulong UInt64()
    {
        Span<byte> bytes = stackalloc byte[8];
        Fill(bytes);
        return BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    }

    /// <summary>Up to <paramref name="count"/> bytes (fewer at the end of the input).</summary>
    public ReadOnlySpan<byte> Take(int count)
    {
        ReadOnlySpan<byte> taken = _rest[..Math.Min(count, _rest.Length)];
        _rest = _rest[taken.Length..];
        return taken;
    }

    private void Fill(scoped Span<byte> destination)
    {
        destination.Clear();
        Take(destination.Length).CopyTo(destination);
    }
}
