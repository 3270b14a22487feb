using System.Buffers.Binary;
using WskSharp.Internal;
using WskSharp.Nt;
using WskSharp.Transport;
using WskSharp.Ws2;

namespace WskSharp.Wsk;

/// <summary>
/// The Windows socket options WskControlSocket takes beyond TCP_NODELAY and TCP_FASTOPEN, decoded here (the one place their
/// levels, names and ranges are read) into the transports' neutral <see cref="HostSocketOption"/>. Every value is a DWORD:
/// an input of another size is STATUS_INVALID_PARAMETER, an output under 4 bytes STATUS_BUFFER_TOO_SMALL. A value Windows
/// refuses is STATUS_INVALID_PARAMETER; a value Windows takes and Linux cannot (a keepalive time over 32,767 s, more than
/// 127 probes, a TTL of 0) is STATUS_NOT_SUPPORTED, so a driver is never told a setting took when it did not.
/// </summary>
internal static class WskSocketOptions
{
    private enum Kind
    {
        Flag,
        Bytes,
        Seconds,
        Probes,
        Hops,
        ReuseAddress,
        ExclusiveAddressUse,
        ConditionalAccept,
    }

    /// <summary>Whether (<paramref name="level"/>, <paramref name="name"/>) is an option this class handles.</summary>
    public static bool Handles(uint level, uint name) => TryDecode(level, name, out _, out _);

    private static bool TryDecode(uint level, uint name, out HostSocketOption option, out Kind kind)
    {
        (option, kind) = (level, name) switch
        {
            (Ws2Def.SOL_SOCKET, Ws2Def.SO_REUSEADDR) => (HostSocketOption.ReuseAddress, Kind.ReuseAddress),
            (Ws2Def.SOL_SOCKET, Ws2Def.SO_EXCLUSIVEADDRUSE) => (HostSocketOption.ReuseAddress, Kind.ExclusiveAddressUse),
            (Ws2Def.SOL_SOCKET, Ws2Def.SO_CONDITIONAL_ACCEPT) => (HostSocketOption.ReuseAddress, Kind.ConditionalAccept), // Emulated: no host option.
            (Ws2Def.SOL_SOCKET, Ws2Def.SO_KEEPALIVE) => (HostSocketOption.KeepAlive, Kind.Flag),
            (Ws2Def.SOL_SOCKET, Ws2Def.SO_RCVBUF) => (HostSocketOption.ReceiveBuffer, Kind.Bytes),
            (Ws2Def.SOL_SOCKET, Ws2Def.SO_SNDBUF) => (HostSocketOption.SendBuffer, Kind.Bytes),
            (Ws2Def.IPPROTO_TCP, Ws2Def.TCP_KEEPALIVE) => (HostSocketOption.KeepAliveIdle, Kind.Seconds), // = TCP_KEEPIDLE
            (Ws2Def.IPPROTO_TCP, Ws2Def.TCP_KEEPINTVL) => (HostSocketOption.KeepAliveInterval, Kind.Seconds),
            (Ws2Def.IPPROTO_TCP, Ws2Def.TCP_KEEPCNT) => (HostSocketOption.KeepAliveCount, Kind.Probes),
            (Ws2Def.IPPROTO_IP, Ws2Def.IP_TTL) => (HostSocketOption.IpTimeToLive, Kind.Hops),
            (Ws2Def.IPPROTO_IPV6, Ws2Def.IPV6_UNICAST_HOPS) => (HostSocketOption.Ipv6UnicastHops, Kind.Hops),
            (Ws2Def.IPPROTO_IPV6, Ws2Def.IPV6_V6ONLY) => (HostSocketOption.Ipv6Only, Kind.Flag),
            _ => ((HostSocketOption)(-1), Kind.Flag),
        };
        return (int)option >= 0;
    }

    /// <summary>WskSetOption of a handled option.</summary>
    public static NtStatus Set(WskSocket socket, uint level, uint name, ReadOnlySpan<byte> input)
    {
        TryDecode(level, name, out HostSocketOption option, out Kind kind);
        if (input.Length != sizeof(uint))
        {
            return NtStatus.InvalidParameter; // Every one of these options is a DWORD.
        }

        SocketEngine engine = socket.Engine;
        if (level == Ws2Def.IPPROTO_IPV6 && engine.Family != Ws2Def.AF_INET6)
        {
            return NtStatus.InvalidParameter; // An IPv6 option on an IPv4 socket.
        }

        uint value = BinaryPrimitives.ReadUInt32LittleEndian(input);
        NtStatus range = kind switch
        {
            Kind.Bytes => value > int.MaxValue ? NtStatus.InvalidParameter : NtStatus.Success,
            Kind.Seconds => value == 0 ? NtStatus.InvalidParameter : value > 32_767 ? NtStatus.NotSupported : NtStatus.Success, // Linux's MAX_TCP_KEEPIDLE/KEEPINTVL.
            Kind.Probes => value > 255 ? NtStatus.InvalidParameter : value is 0 or > 127 ? NtStatus.NotSupported : NtStatus.Success, // Linux: 1-127.
            Kind.Hops => value > 255 ? NtStatus.InvalidParameter : value == 0 && option == HostSocketOption.IpTimeToLive ? NtStatus.NotSupported : NtStatus.Success,
            _ => NtStatus.Success,
        };
        if (range != NtStatus.Success)
        {
            return range;
        }

        bool on = value != 0;
        if (kind == Kind.ConditionalAccept)
        {
            // Listeners only; turning it on needs WskInspectEvent and WskAbortEvent in the client dispatch.
            return socket.Category is not (WskConstants.WSK_FLAG_LISTEN_SOCKET or WskConstants.WSK_FLAG_STREAM_SOCKET)
                || (on && !socket.HasInspectCallbacks)
                ? NtStatus.InvalidParameter
                : engine.SetConditionalAccept(on);
        }

        return kind switch
        {
            Kind.ReuseAddress => engine.SetAddressSharing(reuse: on, exclusive: engine.ExclusiveAddressUse),
            Kind.ExclusiveAddressUse => engine.SetAddressSharing(reuse: engine.ReuseAddress, exclusive: on),
            Kind.Flag => engine.SetOption(option, on ? 1 : 0),
            _ => engine.SetOption(option, (int)value),
        };
    }

    /// <summary>WskGetOption of a handled option: a DWORD in <paramref name="output"/>.</summary>
    public static NtStatus Get(WskSocket socket, uint level, uint name, Span<byte> output, out nuint returned)
    {
        returned = 0;
        TryDecode(level, name, out HostSocketOption option, out Kind kind);
        if (output.Length < sizeof(uint))
        {
            return NtStatus.BufferTooSmall;
        }

        SocketEngine engine = socket.Engine;
        if (level == Ws2Def.IPPROTO_IPV6 && engine.Family != Ws2Def.AF_INET6)
        {
            return NtStatus.InvalidParameter;
        }

        int value;
        NtStatus status = NtStatus.Success;
        switch (kind)
        {
            case Kind.ReuseAddress:
                value = engine.ReuseAddress ? 1 : 0;
                break;
            case Kind.ExclusiveAddressUse:
                value = engine.ExclusiveAddressUse ? 1 : 0;
                break;
            case Kind.ConditionalAccept:
                value = engine.ConditionalAccept ? 1 : 0;
                break;
            default:
                status = engine.GetOption(option, out value);
                break;
        }

        if (status == NtStatus.Success)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(output, (uint)value);
            returned = sizeof(uint);
        }

        return status;
    }
}
