using System.Buffers.Binary;

namespace WskSharp.Wsk;

/// <summary>
/// <c>WSK_INSPECT_ID { ULONG_PTR Key; ULONG SerialNumber; }</c>: identifies one connection request on a conditional
/// listener, from WskInspectEvent until WskInspectComplete decides it or WskAbortEvent reports it dropped. A client that
/// pends keeps a copy of it (a value here, as the C client copies the structure).
/// </summary>
/// <param name="Key">The listener's part.</param>
/// <param name="SerialNumber">The request's part.</param>
public readonly record struct WskInspectId(nuint Key, uint SerialNumber)
{
    /// <summary>The size of the Windows x64 layout: Key (8 bytes), SerialNumber (4), 4 bytes of padding.</summary>
    internal const int Size = 16;

    /// <summary>Writes the Windows x64 layout (little-endian) into <paramref name="destination"/>, of at least <see cref="Size"/> bytes.</summary>
    internal int WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, Key);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], SerialNumber);
        destination[12..Size].Clear();
        return Size;
    }
}
