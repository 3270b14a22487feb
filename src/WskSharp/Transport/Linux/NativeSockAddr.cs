using System.Buffers.Binary;
using WskSharp.Ws2;

namespace WskSharp.Transport.Linux;

/// <summary>Converts the Windows-layout <see cref="SockAddr"/> to and from Linux <c>sockaddr_in</c>/<c>sockaddr_in6</c>.</summary>
internal static class NativeSockAddr
{
    /// <summary>Room for either Linux structure.</summary>
    public const int MaxSize = 28;

    /// <summary>Writes the Linux structure; returns its length, or 0 for a family without one.</summary>
    public static int Write(in SockAddr address, Span<byte> destination)
    {
        destination[..MaxSize].Clear();
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], address.Port);
        switch (address.Family)
        {
            case Ws2Def.AF_INET:
                BinaryPrimitives.WriteUInt16LittleEndian(destination, Interop.AF_INET);
                address.CopyAddressTo(destination[4..]);
                return 16;
            case Ws2Def.AF_INET6:
                BinaryPrimitives.WriteUInt16LittleEndian(destination, Interop.AF_INET6);
                BinaryPrimitives.WriteUInt32BigEndian(destination[4..], address.FlowInfo);
                address.CopyAddressTo(destination[8..]);
                BinaryPrimitives.WriteUInt32LittleEndian(destination[24..], address.ScopeId);
                return 28;
            default:
                return 0;
        }
    }

    /// <summary>Reads a Linux structure; false for a family other than AF_INET/AF_INET6.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out SockAddr address)
    {
        address = default;
        if (source.Length < 16)
        {
            return false;
        }

        ushort port = BinaryPrimitives.ReadUInt16BigEndian(source[2..]);
        switch (BinaryPrimitives.ReadUInt16LittleEndian(source))
        {
            case Interop.AF_INET:
                address = SockAddr.Inet(source.Slice(4, 4), port);
                return true;
            case Interop.AF_INET6 when source.Length >= 28:
                address = SockAddr.Inet6(source.Slice(8, 16), port, BinaryPrimitives.ReadUInt32BigEndian(source[4..]),
                    BinaryPrimitives.ReadUInt32LittleEndian(source[24..]));
                return true;
            default:
                return false;
        }
    }
}
