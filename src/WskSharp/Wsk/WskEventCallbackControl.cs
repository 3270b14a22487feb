using System.Buffers.Binary;

namespace WskSharp.Wsk;

/// <summary>
/// <c>WSK_EVENT_CALLBACK_CONTROL { PNPIID NpiId; ULONG EventMask; }</c>, the input of
/// <c>WskControlSocket(WskSetOption, SO_WSK_EVENT_CALLBACK, SOL_SOCKET)</c>. In its binary form here the NPI id is
/// inline (16 bytes, as <see cref="Guid.TryWriteBytes(Span{byte})"/> writes it) followed by the mask (4 bytes, little-endian).
/// </summary>
/// <param name="NpiId">The NPI whose events are meant: <see cref="NPI_WSK_INTERFACE_ID"/>.</param>
/// <param name="EventMask">WSK_EVENT_* flags, or with <see cref="WskConstants.WSK_EVENT_DISABLE"/> to turn them off.</param>
public readonly record struct WskEventCallbackControl(Guid NpiId, uint EventMask)
{
    /// <summary><c>NPI_WSK_INTERFACE_ID</c> {2227E803-8D8B-11D4-ABAD-009027719E09}.</summary>
    public static readonly Guid NPI_WSK_INTERFACE_ID = new(0x2227E803, 0x8D8B, 0x11D4, 0xAB, 0xAD, 0x00, 0x90, 0x27, 0x71, 0x9E, 0x09);

    /// <summary>The size of the binary form.</summary>
    public const int Size = 20;

    /// <summary>Writes the binary form; returns <see cref="Size"/>, or 0 if the destination is too short.</summary>
    public int WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size || !NpiId.TryWriteBytes(destination))
        {
            return 0;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(destination[16..], EventMask);
        return Size;
    }

    /// <summary>Reads the binary form; false if it is shorter than <see cref="Size"/>.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out WskEventCallbackControl control)
    {
        control = default;
        if (source.Length < Size)
        {
            return false;
        }

        control = new WskEventCallbackControl(new Guid(source[..16]), BinaryPrimitives.ReadUInt32LittleEndian(source[16..]));
        return true;
    }
}
