using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using WskSharp.Internal;
using WskSharp.Nt;
using WskSharp.Transport;
using WskSharp.Ws2;

namespace WskSharp.Wsk;

/// <summary>
/// The datagram half of the provider: WSK_PROVIDER_DATAGRAM_DISPATCH's functions and a datagram socket's controls. As for
/// every call, each rule is checked here once, then the request goes to the socket's <see cref="DatagramEngine"/>. Choices
/// where Windows is not documented: a datagram longer than the receive buffer completes with STATUS_BUFFER_OVERFLOW and
/// MSG_TRUNC (Winsock's WSAEMSGSIZE, which AFD gives as that status); an ICMP port unreachable for an earlier datagram
/// completes the next WskReceiveFrom with STATUS_PORT_UNREACHABLE, its remote address naming the destination (Winsock's
/// default SIO_UDP_CONNRESET behaviour); a send to the wildcard address or port 0 is STATUS_INVALID_ADDRESS_COMPONENT (as
/// WskConnectEx); a send with no remote and none fixed is STATUS_INVALID_PARAMETER; a send or receive before WskBind is
/// STATUS_INVALID_DEVICE_STATE.
/// </summary>
internal static partial class WskProvider
{
    /// <summary>WskSocket for SOCK_DGRAM (or WSK_FLAG_DATAGRAM_SOCKET): a datagram socket of AF_INET/AF_INET6 over UDP; with
    /// WSK_FLAG_LISTEN_SOCKET it is created too, as on Windows, and its WskBind is STATUS_NOT_IMPLEMENTED.</summary>
    private static NtStatus CreateDatagramSocket(WskClient client, ushort addressFamily, ushort socketType, uint protocol, uint flags,
        object? socketContext, object? dispatch, out WskSocket? socket)
    {
        socket = null;
        if (flags is not (WskConstants.WSK_FLAG_DATAGRAM_SOCKET or WskConstants.WSK_FLAG_LISTEN_SOCKET)
            || addressFamily is not (Ws2Def.AF_INET or Ws2Def.AF_INET6)
            || socketType != Ws2Def.SOCK_DGRAM
            || protocol is not (Ws2Def.IPPROTO_UDP or 0))
        {
            return NtStatus.InvalidParameter;
        }

        NtStatus status = client.TryAddSocket();
        if (!status.IsSuccess)
        {
            return status;
        }

        SocketEngineSettings settings = client.EngineSettings;
        status = DatagramEngine.Create(client.Stack, addressFamily, settings.CompleteOnEventLoop, settings.Watchdog, settings.Logger,
            out DatagramEngine? engine);
        if (status.IsSuccess && addressFamily == Ws2Def.AF_INET6 && engine!.SetOption(HostSocketOption.Ipv6Only, 1) is var v6 && v6 != NtStatus.Success)
        {
            engine.Close(); // IPV6_V6ONLY is on by default on Windows, for datagram sockets too; Linux's default follows a sysctl.
            status = v6;
        }

        if (!status.IsSuccess)
        {
            client.RemoveSocket();
            return status;
        }

        object providerDispatch = flags == WskConstants.WSK_FLAG_DATAGRAM_SOCKET
            ? WskProviderDatagramDispatch.Instance
            : WskProviderListenDispatch.Instance;
        socket = new WskSocket(client, engine!, flags, providerDispatch, socketContext, dispatch);
        socket.EnableStaticEvents();
        return NtStatus.Success;
    }

    /// <summary>WskBind of a datagram socket (Flags reserved: 0). A SOCK_DGRAM socket created as a listening socket answers
    /// STATUS_NOT_IMPLEMENTED, as Windows does (recorded by Wine's netio conformance tests run there).</summary>
    public static NtStatus BindDatagram(WskSocket socket, in SockAddr localAddress, uint flags, Irp irp)
    {
        if (!Start(irp, socket))
        {
            return NtStatus.InvalidParameter;
        }

        NtStatus status = CheckDatagram(socket, flags, forIo: false);
        if (status.IsSuccess && socket.Category == WskConstants.WSK_FLAG_LISTEN_SOCKET)
        {
            status = NtStatus.NotImplemented;
        }

        if (status.IsSuccess && localAddress.Family != socket.Datagram!.Family)
        {
            status = NtStatus.InvalidParameter; // The family was fixed by WskSocket.
        }

        if (status.IsSuccess)
        {
            status = socket.Datagram!.Bind(localAddress);
        }

        irp.CompleteInline(status);
        return status;
    }

    /// <summary>WskSendTo. Checks, in order: the IRP; the socket (null, not a datagram socket, closed, no longer functional);
    /// Flags ≠ 0; the WSK_BUF; the control data (a length past its buffer or a malformed list: STATUS_INVALID_PARAMETER;
    /// anything but packet information of the socket's family: STATUS_NOT_SUPPORTED); the remote (none given and none fixed:
    /// STATUS_INVALID_PARAMETER; another family: STATUS_INVALID_PARAMETER; the wildcard or port 0:
    /// STATUS_INVALID_ADDRESS_COMPONENT); a socket not bound: STATUS_INVALID_DEVICE_STATE.</summary>
    public static NtStatus SendTo(WskSocket socket, in WskBuf buffer, uint flags, SockAddr? remoteAddress, nuint controlInfoLength,
        ReadOnlySpan<byte> controlInfo, Irp irp)
    {
        if (!Start(irp, socket))
        {
            return NtStatus.InvalidParameter;
        }

        NtStatus status = CheckDatagram(socket, flags, forIo: true);
        int length = 0;
        if (status.IsSuccess)
        {
            status = buffer.Validate(out length);
        }

        HostPacketInfo packetInfo = default;
        bool withPacketInfo = false;
        SockAddr remote = default;
        if (status.IsSuccess)
        {
            status = CheckSend(socket.Datagram!, remoteAddress, controlInfoLength, controlInfo, out remote, out packetInfo, out withPacketInfo);
        }

        if (!status.IsSuccess)
        {
            return Refuse(irp, status);
        }

        return socket.Datagram!.SendTo(buffer.Mdl, (int)buffer.Offset, length, remote, packetInfo, withPacketInfo, irp);
    }

    /// <summary>WskSendMessages: WskSendTo's rules, for each buffer of the list (a null list, or one longer than
    /// <see cref="WskBuf.MaxChainLength"/> entries, a cycle: STATUS_INVALID_PARAMETER). The datagrams leave in order, many per
    /// host call (Linux: one sendmmsg per 1,024); success completes with the bytes of them all. A datagram the host refuses
    /// ends the list: the IRP completes with its status (Windows documents only "an error"), IoStatus.Information the bytes
    /// of the datagrams sent before it, and those after it are not sent.</summary>
    public static NtStatus SendMessages(WskSocket socket, WskBufList bufferList, uint flags, SockAddr? remoteAddress, nuint controlInfoLength,
        ReadOnlySpan<byte> controlInfo, Irp irp)
    {
        if (!Start(irp, socket))
        {
            return NtStatus.InvalidParameter;
        }

        NtStatus status = CheckDatagram(socket, flags, forIo: true);
        if (status.IsSuccess && bufferList is null)
        {
            status = NtStatus.InvalidParameter;
        }

        int entries = 0;
        for (WskBufList? entry = bufferList; status.IsSuccess && entry is not null; entry = entry.Next)
        {
            status = ++entries > WskBuf.MaxChainLength ? NtStatus.InvalidParameter : entry.Buffer.Validate(out _);
        }

        HostPacketInfo packetInfo = default;
        bool withPacketInfo = false;
        SockAddr remote = default;
        if (status.IsSuccess)
        {
            status = CheckSend(socket.Datagram!, remoteAddress, controlInfoLength, controlInfo, out remote, out packetInfo, out withPacketInfo);
        }

        if (!status.IsSuccess)
        {
            return Refuse(irp, status);
        }

        return socket.Datagram!.SendMessages(bufferList!, remote, packetInfo, withPacketInfo, irp);
    }

    private static NtStatus CheckSend(DatagramEngine engine, SockAddr? remoteAddress, nuint controlInfoLength, ReadOnlySpan<byte> controlInfo,
        out SockAddr remote, out HostPacketInfo packetInfo, out bool withPacketInfo)
    {
        remote = default;
        packetInfo = default;
        withPacketInfo = false;
        if (controlInfoLength > (nuint)controlInfo.Length)
        {
            return NtStatus.InvalidParameter;
        }

        NtStatus status = WsaControlMessage.ReadPacketInfo(controlInfo[..(int)controlInfoLength], engine.Family, out withPacketInfo,
            out SockAddr source, out uint interfaceIndex);
        if (!status.IsSuccess)
        {
            return status;
        }

        packetInfo = new HostPacketInfo(source, interfaceIndex);
        if ((remoteAddress ?? engine.DefaultRemote) is not { } destination)
        {
            return NtStatus.InvalidParameter; // No remote given and none fixed.
        }

        if (destination.Family != engine.Family)
        {
            return NtStatus.InvalidParameter;
        }

        if (destination.Port == 0 || destination.IsWildcardDestination)
        {
            return NtStatus.InvalidAddressComponent; // Winsock: sendto the wildcard is WSAEADDRNOTAVAIL.
        }

        remote = destination;
        return engine.State == SocketState.Open ? NtStatus.InvalidDeviceState : NtStatus.Success;
    }

    /// <summary>WskReceiveFrom. Checks, in order: the IRP; the socket; Flags ≠ 0; the WSK_BUF; a ControlLength larger than
    /// the ControlInfo buffer: STATUS_INVALID_PARAMETER; a socket not bound: STATUS_INVALID_DEVICE_STATE.</summary>
    public static NtStatus ReceiveFrom(WskSocket socket, in WskBuf buffer, uint flags, StrongBox<SockAddr>? remoteAddress,
        StrongBox<uint>? controlLength, Memory<byte> controlInfo, StrongBox<uint>? controlFlags, Irp irp)
    {
        if (!Start(irp, socket))
        {
            return NtStatus.InvalidParameter;
        }

        NtStatus status = CheckDatagram(socket, flags, forIo: true);
        int length = 0;
        if (status.IsSuccess)
        {
            status = buffer.Validate(out length);
        }

        if (status.IsSuccess && controlLength is { } room && room.Value > (uint)controlInfo.Length)
        {
            status = NtStatus.InvalidParameter;
        }

        if (status.IsSuccess && socket.Datagram!.State == SocketState.Open)
        {
            status = NtStatus.InvalidDeviceState;
        }

        if (!status.IsSuccess)
        {
            return Refuse(irp, status);
        }

        Memory<byte> control = controlLength is { } given ? controlInfo[..(int)given.Value] : default;
        return socket.Datagram!.ReceiveFrom(buffer.Mdl, (int)buffer.Offset, length, remoteAddress, controlLength, control, controlFlags, irp);
    }

    /// <summary>WskRelease of datagram indications: the entry given and every entry linked after it through Next go back to the
    /// provider (a whole list kept by STATUS_PENDING, or the tail of one the client split); an entry that is not one the client
    /// kept (released already, or never held) is STATUS_INVALID_PARAMETER, and the others are still released.</summary>
    public static NtStatus ReleaseDatagrams(WskSocket socket, WskDatagramIndication datagramIndication)
    {
        if (socket is null || datagramIndication is null || socket.Datagram is not { } engine)
        {
            return NtStatus.InvalidParameter;
        }

        if (engine.State == SocketState.Closed)
        {
            return NtStatus.InvalidHandle;
        }

        NtStatus status = NtStatus.Success;
        int hops = 0;
        WskDatagramIndication? indication = datagramIndication;
        while (indication is not null)
        {
            if (++hops > WskBuf.MaxChainLength)
            {
                return NtStatus.InvalidParameter; // A cycle.
            }

            // Read before the release: an entry released is the engine's again, and another event may reuse it at once.
            WskDatagramIndication? next = indication.Next;
            if (indication.ProviderHold is not HeldDatagram held || engine.Release(held) != NtStatus.Success)
            {
                status = NtStatus.InvalidParameter;
            }

            indication = next;
        }

        return status;
    }

    /// <summary>WskGetLocalAddress of a datagram socket: bound first (STATUS_INVALID_DEVICE_STATE otherwise).</summary>
    public static NtStatus GetDatagramLocalAddress(WskSocket socket, out SockAddr localAddress, Irp irp)
    {
        localAddress = default;
        if (!Start(irp, socket))
        {
            return NtStatus.InvalidParameter;
        }

        NtStatus status = CheckDatagram(socket, 0, forIo: false);
        if (status.IsSuccess)
        {
            status = socket.Datagram!.GetLocalAddress(out localAddress);
        }

        irp.CompleteInline(status);
        return status;
    }

    /// <summary>WskControlSocket on a datagram socket: SO_WSK_EVENT_CALLBACK (WSK_EVENT_RECEIVE_FROM only, no IRP), SO_BROADCAST,
    /// IP_PKTINFO (AF_INET) / IPV6_PKTINFO (AF_INET6), SO_RCVBUF/SO_SNDBUF, IPV6_V6ONLY (AF_INET6; on by default as on Windows,
    /// set before WskBind only), SO_REUSEADDR and SO_EXCLUSIVEADDRUSE (as on a stream socket), IP_TTL (AF_INET) / IPV6_UNICAST_HOPS (AF_INET6) (each a DWORD), and the I/O controls
    /// SIO_WSK_SET_REMOTE_ADDRESS / SIO_WSK_SET_SENDTO_ADDRESS (input: a SOCKADDR of the socket's family, after WskBind).</summary>
    private static NtStatus ControlDatagram(WskSocket socket, WskControlSocketType requestType, uint controlCode, uint level,
        nuint inputSize, ReadOnlySpan<byte> inputBuffer, nuint outputSize, Span<byte> outputBuffer, out nuint outputSizeReturned, Irp? irp)
    {
        outputSizeReturned = 0;
        if (irp is not null && !Start(irp, socket))
        {
            return NtStatus.InvalidParameter;
        }

        nuint returned = 0;
        NtStatus status = DatagramControl(socket, socket.Datagram!, requestType, controlCode, level, inputSize, inputBuffer, outputSize,
            outputBuffer, irp, ref returned);
        outputSizeReturned = returned;
        if (status == NtStatus.Pending)
        {
            return status; // A disable of the receive-from event while its callback runs: the engine completes the IRP.
        }

        irp?.CompleteInline(status, returned);
        return status;
    }

    private static NtStatus DatagramControl(WskSocket socket, DatagramEngine engine, WskControlSocketType requestType, uint controlCode,
        uint level, nuint inputSize, ReadOnlySpan<byte> inputBuffer, nuint outputSize, Span<byte> outputBuffer, Irp? irp, ref nuint returned)
    {
        if (engine.State == SocketState.Closed)
        {
            return NtStatus.InvalidHandle;
        }

        if (inputSize > (nuint)inputBuffer.Length || outputSize > (nuint)outputBuffer.Length)
        {
            return NtStatus.InvalidParameter; // A size the buffer does not have.
        }

        if (engine.State == SocketState.Failed)
        {
            return NtStatus.FileForcedClosed;
        }

        ReadOnlySpan<byte> input = inputBuffer[..(int)inputSize];
        if (requestType == WskControlSocketType.WskSetOption && level == Ws2Def.SOL_SOCKET && controlCode == Ws2Def.SO_WSK_EVENT_CALLBACK)
        {
            return SetDatagramEvents(socket, engine, input, irp);
        }

        if (requestType == WskControlSocketType.WskIoctl
            && controlCode is WskConstants.SIO_WSK_SET_REMOTE_ADDRESS or WskConstants.SIO_WSK_SET_SENDTO_ADDRESS)
        {
            if (socket.Category != WskConstants.WSK_FLAG_DATAGRAM_SOCKET)
            {
                return NtStatus.InvalidDeviceRequest; // Datagram sockets only.
            }

            if (SockAddr.TryRead(input, out SockAddr remote) != NtStatus.Success || remote.Family != engine.Family)
            {
                return NtStatus.InvalidParameter;
            }

            if (remote.Port == 0 || remote.IsWildcardDestination)
            {
                return NtStatus.InvalidAddressComponent;
            }

            return engine.SetRemote(remote, filter: controlCode == WskConstants.SIO_WSK_SET_REMOTE_ADDRESS);
        }

        if (level == Ws2Def.SOL_SOCKET && controlCode is Ws2Def.SO_REUSEADDR or Ws2Def.SO_EXCLUSIVEADDRUSE
            && requestType is WskControlSocketType.WskSetOption or WskControlSocketType.WskGetOption)
        {
            return AddressSharing(engine, requestType, controlCode, input, outputSize, outputBuffer, ref returned);
        }

        HostSocketOption? option = (level, controlCode) switch
        {
            (Ws2Def.SOL_SOCKET, Ws2Def.SO_BROADCAST) => HostSocketOption.Broadcast,
            (Ws2Def.SOL_SOCKET, Ws2Def.SO_RCVBUF) => HostSocketOption.ReceiveBuffer,
            (Ws2Def.SOL_SOCKET, Ws2Def.SO_SNDBUF) => HostSocketOption.SendBuffer,
            (Ws2Def.IPPROTO_IP, Ws2Def.IP_PKTINFO) when engine.Family == Ws2Def.AF_INET => HostSocketOption.PacketInfo,
            (Ws2Def.IPPROTO_IPV6, Ws2Def.IPV6_PKTINFO) when engine.Family == Ws2Def.AF_INET6 => HostSocketOption.PacketInfo,
            (Ws2Def.IPPROTO_IPV6, Ws2Def.IPV6_V6ONLY) when engine.Family == Ws2Def.AF_INET6 => HostSocketOption.Ipv6Only,
            (Ws2Def.IPPROTO_IP, Ws2Def.IP_TTL) when engine.Family == Ws2Def.AF_INET => HostSocketOption.IpTimeToLive,
            (Ws2Def.IPPROTO_IPV6, Ws2Def.IPV6_UNICAST_HOPS) when engine.Family == Ws2Def.AF_INET6 => HostSocketOption.Ipv6UnicastHops,
            _ => null,
        };
        switch (requestType)
        {
            case WskControlSocketType.WskSetOption when option is { } set:
                if (inputSize != sizeof(uint))
                {
                    return NtStatus.InvalidParameter; // Each takes a DWORD.
                }

                if (set == HostSocketOption.Ipv6Only && engine.State != SocketState.Open)
                {
                    return NtStatus.InvalidDeviceState; // As on a stream socket: the bind fixed what the address takes.
                }

                uint value = BinaryPrimitives.ReadUInt32LittleEndian(input);
                if (set is HostSocketOption.IpTimeToLive or HostSocketOption.Ipv6UnicastHops)
                {
                    // As on a stream socket: over 255 Windows refuses; a TTL of 0 Windows takes and Linux cannot.
                    return value > 255 ? NtStatus.InvalidParameter
                        : value == 0 && set == HostSocketOption.IpTimeToLive ? NtStatus.NotSupported
                        : engine.SetOption(set, (int)value);
                }

                return engine.SetOption(set, set is HostSocketOption.Broadcast or HostSocketOption.PacketInfo or HostSocketOption.Ipv6Only
                    ? (value != 0 ? 1 : 0)
                    : (int)Math.Min(value, int.MaxValue / 2));

            case WskControlSocketType.WskGetOption when option is { } get:
                if (outputSize < sizeof(uint))
                {
                    return NtStatus.BufferTooSmall;
                }

                NtStatus status = engine.GetOption(get, out int current);
                if (status == NtStatus.Success)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(outputBuffer, (uint)current);
                    returned = sizeof(uint);
                }

                return status;

            case WskControlSocketType.WskSetOption or WskControlSocketType.WskGetOption or WskControlSocketType.WskIoctl:
                return NtStatus.NotSupported; // An option or control code WskSharp does not provide on a datagram socket.

            default:
                return NtStatus.InvalidParameter;
        }
    }

    /// <summary>SO_REUSEADDR and SO_EXCLUSIVEADDRUSE (DWORDs), as on a stream socket: they exclude each other, exclusive use is
    /// set before WskBind only, and each reads back as the client set it.</summary>
    private static NtStatus AddressSharing(DatagramEngine engine, WskControlSocketType requestType, uint controlCode, ReadOnlySpan<byte> input,
        nuint outputSize, Span<byte> outputBuffer, ref nuint returned)
    {
        bool exclusive = controlCode == Ws2Def.SO_EXCLUSIVEADDRUSE;
        if (requestType == WskControlSocketType.WskGetOption)
        {
            if (outputSize < sizeof(uint))
            {
                return NtStatus.BufferTooSmall;
            }

            BinaryPrimitives.WriteUInt32LittleEndian(outputBuffer, (exclusive ? engine.ExclusiveAddressUse : engine.ReuseAddress) ? 1u : 0u);
            returned = sizeof(uint);
            return NtStatus.Success;
        }

        if (input.Length != sizeof(uint))
        {
            return NtStatus.InvalidParameter; // A DWORD.
        }

        bool on = BinaryPrimitives.ReadUInt32LittleEndian(input) != 0;
        return exclusive ? engine.SetAddressSharing(reuse: engine.ReuseAddress, exclusive: on)
            : engine.SetAddressSharing(reuse: on, exclusive: engine.ExclusiveAddressUse);
    }

    /// <summary>SO_WSK_EVENT_CALLBACK on a datagram socket: NPI_WSK_INTERFACE_ID, WSK_EVENT_RECEIVE_FROM only, and a client
    /// dispatch with WskReceiveFromEvent to turn it on. An IRP only to disable (documented): a disable while the callback runs
    /// is STATUS_PENDING with one, the IRP then the engine's until the callback returns; STATUS_EVENT_PENDING without.</summary>
    private static NtStatus SetDatagramEvents(WskSocket socket, DatagramEngine engine, ReadOnlySpan<byte> input, Irp? irp)
    {
        if (!WskEventCallbackControl.TryRead(input, out WskEventCallbackControl control)
            || control.NpiId != WskEventCallbackControl.NPI_WSK_INTERFACE_ID)
        {
            return NtStatus.InvalidParameter;
        }

        uint mask = control.EventMask & ~WskConstants.WSK_EVENT_DISABLE;
        if (mask != WskConstants.WSK_EVENT_RECEIVE_FROM || socket.Category != WskConstants.WSK_FLAG_DATAGRAM_SOCKET)
        {
            return NtStatus.InvalidParameter; // An event this kind of socket does not have.
        }

        if (socket.StaticEvents != 0)
        {
            return NtStatus.InvalidDeviceState; // Enabled by WSK_SET_STATIC_EVENT_CALLBACKS: never disabled or re-enabled.
        }

        bool disable = (control.EventMask & WskConstants.WSK_EVENT_DISABLE) != 0;
        if (!disable && (socket.ReceiveFromEvent is null || irp is not null))
        {
            return NtStatus.InvalidParameter; // No callback in the client dispatch for the event asked for; or an IRP to enable.
        }

        return disable ? engine.DisableReceiveEvents(irp) : engine.EnableReceiveEvents();
    }

    /// <summary>The checks every datagram call makes: a datagram socket (another kind: STATUS_INVALID_DEVICE_REQUEST), live,
    /// no flag (they are reserved); for I/O, one created as a datagram socket.</summary>
    private static NtStatus CheckDatagram(WskSocket socket, uint flags, bool forIo)
    {
        if (socket is null)
        {
            return NtStatus.InvalidParameter;
        }

        if (socket.Datagram is not { } engine || (forIo && socket.Category != WskConstants.WSK_FLAG_DATAGRAM_SOCKET))
        {
            return NtStatus.InvalidDeviceRequest;
        }

        SocketState state = engine.State;
        if (state == SocketState.Closed)
        {
            return NtStatus.InvalidHandle;
        }

        if (state == SocketState.Failed)
        {
            return NtStatus.FileForcedClosed;
        }

        return flags != 0 ? NtStatus.InvalidParameter : NtStatus.Success;
    }
}
