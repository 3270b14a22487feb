using System.Buffers.Binary;
using WskSharp.Nt;

namespace WskSharp.Ws2;

/// <summary>
/// Control messages in the Windows x64 layout (<c>WSACMSGHDR { SIZE_T cmsg_len; INT cmsg_level; INT cmsg_type; }</c>, data
/// 8-aligned after its 16 bytes; <c>WSA_CMSG_LEN(n)</c> = 16 + n, <c>WSA_CMSG_SPACE(n)</c> = 16 + n rounded up to 8): the
/// packet information a datagram receive reports and a datagram send may carry. <c>IN_PKTINFO { IN_ADDR ipi_addr; ULONG
/// ipi_ifindex; }</c> at <c>IPPROTO_IP</c>/<c>IP_PKTINFO</c>, <c>IN6_PKTINFO { IN6_ADDR ipi6_addr; ULONG ipi6_ifindex; }</c> at
/// <c>IPPROTO_IPV6</c>/<c>IPV6_PKTINFO</c>.
/// </summary>
internal static class WsaControlMessage
{
    /// <summary>Size of <c>WSACMSGHDR</c> on x64.</summary>
    public const int HeaderSize = 16;

    /// <summary><c>WSA_CMSG_SPACE(sizeof(IN6_PKTINFO))</c>: room for the largest packet information.</summary>
    public const int MaxPacketInfoSpace = HeaderSize + 24;

    /// <summary>The space one packet-information message of <paramref name="family"/> takes.</summary>
    public static int PacketInfoSpace(ushort family) => HeaderSize + (family == Ws2Def.AF_INET6 ? 24 : 8);

    /// <summary>Writes the packet information (the datagram's destination address and interface); returns the bytes written,
    /// or 0 if <paramref name="destination"/> is too short (the caller reports MSG_CTRUNC).</summary>
    public static int WritePacketInfo(Span<byte> destination, in SockAddr address, uint interfaceIndex)
    {
        bool v6 = address.Family == Ws2Def.AF_INET6;
        int dataLength = v6 ? 20 : 8;
        int space = PacketInfoSpace(address.Family);
        if (destination.Length < space)
        {
            return 0;
        }

        destination[..space].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(destination, (ulong)(HeaderSize + dataLength));
        BinaryPrimitives.WriteInt32LittleEndian(destination[8..], (int)(v6 ? Ws2Def.IPPROTO_IPV6 : Ws2Def.IPPROTO_IP));
        BinaryPrimitives.WriteInt32LittleEndian(destination[12..], (int)(v6 ? Ws2Def.IPV6_PKTINFO : Ws2Def.IP_PKTINFO));
        int addressLength = address.CopyAddressTo(destination[HeaderSize..]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[(HeaderSize + addressLength)..], interfaceIndex);
        return space;
    }

    /// <summary>
    /// Reads the control data a datagram send carries: Success with <paramref name="found"/> when it names a source
    /// (packet information of the socket's <paramref name="family"/>); STATUS_INVALID_PARAMETER for a malformed list (a
    /// length below the header, past the end, or data of the wrong size); STATUS_NOT_SUPPORTED for a message WskSharp does
    /// not carry (any other level or type).
    /// </summary>
    public static NtStatus ReadPacketInfo(ReadOnlySpan<byte> control, ushort family, out bool found, out SockAddr address, out uint interfaceIndex)
    {
        found = false;
        address = default;
        interfaceIndex = 0;
        while (!control.IsEmpty)
        {
            if (control.Length < HeaderSize)
            {
                return NtStatus.InvalidParameter;
            }

            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(control);
            if (length < HeaderSize || length > (ulong)control.Length)
            {
                return NtStatus.InvalidParameter;
            }

            uint level = BinaryPrimitives.ReadUInt32LittleEndian(control[8..]);
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(control[12..]);
            ReadOnlySpan<byte> data = control[HeaderSize..(int)length];
            bool v6 = family == Ws2Def.AF_INET6;
            if (level != (v6 ? Ws2Def.IPPROTO_IPV6 : Ws2Def.IPPROTO_IP) || type != (v6 ? Ws2Def.IPV6_PKTINFO : Ws2Def.IP_PKTINFO))
            {
                return NtStatus.NotSupported;
            }

            if (data.Length != (v6 ? 20 : 8))
            {
                return NtStatus.InvalidParameter;
            }

            found = true;
            address = v6 ? SockAddr.Inet6(data[..16], 0) : SockAddr.Inet(data[..4], 0);
            interfaceIndex = BinaryPrimitives.ReadUInt32LittleEndian(data[(v6 ? 16 : 4)..]);
            int space = (int)((length + 7) & ~7UL);
            control = space >= control.Length ? [] : control[space..];
        }

        return NtStatus.Success;
    }
}
