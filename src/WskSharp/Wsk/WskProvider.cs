using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using WskSharp.FastOpen;
using WskSharp.Internal;
using WskSharp.Nt;
using WskSharp.Ws2;

namespace WskSharp.Wsk;

/// <summary>
/// The provider's functions behind the dispatch tables. Each validates its call (the one place every documented
/// rule is checked), then hands the request to the socket's engine; every refusal is returned and put in the IRP,
/// and the IRP's completion routine runs once, before the call returns.
/// </summary>
internal static partial class WskProvider
{
    /// <summary>WskConnectEx: the largest buffer allowed.</summary>
    public const int MaxConnectExBuffer = 65_535;

    /// <summary>The listen backlog of WskListen and of listening sockets.</summary>
    public const int ListenBacklog = 4096;

    /// <summary>The kernel's Fast Open server queue when TCP_FASTOPEN is set to 1 on a listening socket (a larger value
    /// sets the queue length itself).</summary>
    public const int DefaultFastOpenQueue = 256;

    internal static readonly WskProviderDispatch ProviderDispatch = new();

    // --- provider level ---------------------------------------------------------------------------------------

    public static NtStatus Socket(WskClient client, ushort addressFamily, ushort socketType, uint protocol, uint flags,
        object? socketContext, object? dispatch, object? owningProcess, object? owningThread, object? securityDescriptor, Irp irp)
    {
        if (!Start(irp, client))
        {
            return NtStatus.InvalidParameter;
        }

        NtStatus status = CreateSocket(client, addressFamily, socketType, protocol, flags, socketContext, dispatch, out WskSocket? socket);
        irp.CompleteInline(status, 0, socket);
        return status;
    }

    private static NtStatus CreateSocket(WskClient client, ushort addressFamily, ushort socketType, uint protocol, uint flags,
        object? socketContext, object? dispatch, out WskSocket? socket)
    {
        socket = null;
        if (client is null)
        {
            return NtStatus.InvalidHandle; // As Windows answers (recorded by Wine's netio tests run there).
        }

        if (socketType == Ws2Def.SOCK_DGRAM || flags == WskConstants.WSK_FLAG_DATAGRAM_SOCKET)
        {
            return CreateDatagramSocket(client, addressFamily, socketType, protocol, flags, socketContext, dispatch, out socket);
        }

        object? providerDispatch = flags switch
        {
            WskConstants.WSK_FLAG_CONNECTION_SOCKET => WskProviderConnectionDispatch.Instance,
            WskConstants.WSK_FLAG_STREAM_SOCKET => WskProviderStreamDispatch.Instance,
            WskConstants.WSK_FLAG_LISTEN_SOCKET => WskProviderListenDispatch.Instance,
            WskConstants.WSK_FLAG_BASIC_SOCKET => WskProviderBasicDispatch.BasicInstance, // WskControlSocket and WskCloseSocket only.
            _ => null,
        };
        if (providerDispatch is null
            || addressFamily is not (Ws2Def.AF_INET or Ws2Def.AF_INET6)
            || socketType != Ws2Def.SOCK_STREAM
            || protocol is not (Ws2Def.IPPROTO_TCP or 0))
        {
            return NtStatus.InvalidParameter;
        }

        NtStatus status = client.TryAddSocket();
        if (!status.IsSuccess)
        {
            return status;
        }

        status = SocketEngine.Create(client.Stack, addressFamily, client.EngineSettings, out SocketEngine? engine);
        if (!status.IsSuccess)
        {
            client.RemoveSocket();
            return status;
        }

        if (addressFamily == Ws2Def.AF_INET6 && engine!.SetOption(Transport.HostSocketOption.Ipv6Only, 1) is var v6 && v6 != NtStatus.Success)
        {
            engine.Close(); // IPV6_V6ONLY is on by default on Windows; Linux's default follows a sysctl.
            client.RemoveSocket();
            return v6;
        }

        socket = new WskSocket(client, engine!, flags, providerDispatch, socketContext, dispatch);
        socket.EnableStaticEvents();
        return NtStatus.Success;
    }

    public static NtStatus SocketConnect(WskClient client, ushort socketType, uint protocol, in SockAddr localAddress,
        in SockAddr remoteAddress, uint flags, object? socketContext, object? dispatch, object? owningProcess, object? owningThread,
        object? securityDescriptor, Irp irp)
    {
        if (!Start(irp, client))
        {
            return NtStatus.InvalidParameter;
        }

        if (flags != 0 || localAddress.Family != remoteAddress.Family)
        {
            return Refuse(irp, NtStatus.InvalidParameter);
        }

        NtStatus status = CreateSocket(client, localAddress.Family, socketType, protocol, WskConstants.WSK_FLAG_CONNECTION_SOCKET,
            socketContext, dispatch, out WskSocket? socket);
        if (status.IsSuccess)
        {
            status = socket!.Engine.Bind(localAddress);
        }

        if (!status.IsSuccess)
        {
            Discard(socket);
            return Refuse(irp, status);
        }

        // The connect runs on an IRP of the provider's; its completion completes the caller's with the socket.
        var inner = new Irp();
        var pending = new SocketConnectRequest(irp, socket!);
        inner.SetCompletionRoutine(SocketConnectRequest.OnConnected, pending);
        status = Connect(socket!, remoteAddress, 0, inner);
        return status == NtStatus.Pending ? status : irp.IoStatus.Status;
    }

    private sealed class SocketConnectRequest(Irp outer, WskSocket socket)
    {
        private readonly Irp _outer = outer;
        private readonly WskSocket _socket = socket;

        public static readonly IoCompletionRoutine OnConnected = static (inner, context) =>
        {
            var request = (SocketConnectRequest)context!;
            NtStatus status = inner.IoStatus.Status;
            if (inner.PendingReturned)
            {
                request._outer.MarkPending(); // WskSocketConnect returned STATUS_PENDING for the outer IRP too.
            }

            if (status.IsSuccess)
            {
                request._outer.CompleteInline(status, 0, request._socket);
            }
            else
            {
                Discard(request._socket);
                request._outer.CompleteInline(status);
            }

            return NtStatus.MoreProcessingRequired;
        };
    }

    public static NtStatus ControlClient(WskClient client, uint controlCode, nuint inputSize, ReadOnlySpan<byte> inputBuffer,
        nuint outputSize, Span<byte> outputBuffer, out nuint outputSizeReturned, Irp? irp)
    {
        outputSizeReturned = 0;
        if (irp is not null && !Start(irp, client))
        {
            return NtStatus.InvalidParameter;
        }

        nuint returned = 0;
        NtStatus status = client is null || inputSize > (nuint)inputBuffer.Length || outputSize > (nuint)outputBuffer.Length
            ? NtStatus.InvalidParameter
            : client.Registration.IsDeregistering ? NtStatus.DeviceNotReady // As every other call once WskDeregister began.
            : controlCode == WskConstants.WSK_SET_STATIC_EVENT_CALLBACKS ? SetStaticEvents(client, inputBuffer[..(int)inputSize], outputSize, irp)
            : WskFastOpenMemory.Control(client.FastOpenMemory, controlCode, inputBuffer[..(int)inputSize], outputBuffer[..(int)outputSize], out returned);
        outputSizeReturned = returned;
        irp?.CompleteInline(status, returned);
        return status;
    }

    /// <summary>WSK_SET_STATIC_EVENT_CALLBACKS: a WSK_EVENT_CALLBACK_CONTROL of NPI_WSK_INTERFACE_ID with a mask of known
    /// events (no WSK_EVENT_DISABLE: static events are never turned off), no output and no IRP (all documented); only
    /// before the client's first socket.</summary>
    private static NtStatus SetStaticEvents(WskClient client, ReadOnlySpan<byte> input, nuint outputSize, Irp? irp)
    {
        const uint known = WskConstants.WSK_EVENT_ACCEPT | ConnectionEvents | WskConstants.WSK_EVENT_RECEIVE_FROM;
        if (irp is not null || outputSize != 0 || input.Length != WskEventCallbackControl.Size
            || !WskEventCallbackControl.TryRead(input, out WskEventCallbackControl control)
            || control.NpiId != WskEventCallbackControl.NPI_WSK_INTERFACE_ID
            || control.EventMask == 0 || (control.EventMask & ~known) != 0)
        {
            return NtStatus.InvalidParameter;
        }

        return client.SetStaticEvents(control.EventMask);
    }

    public static NtStatus GetAddressInfo(WskClient client, string? nodeName, string? serviceName, uint nameSpace, Guid? provider,
        WskAddrInfo? hints, StrongBox<WskAddrInfo?> result, object? owningProcess, object? owningThread, Irp irp)
    {
        if (!Start(irp, client))
        {
            return NtStatus.InvalidParameter;
        }

        NtStatus status = client is null || result is null ? NtStatus.InvalidParameter
            : client.Registration.IsDeregistering ? NtStatus.DeviceNotReady
            : NameResolution.CheckAddressInfo(nodeName, serviceName, nameSpace, provider, hints);
        if (status != NtStatus.Success)
        {
            return Refuse(irp, status);
        }

        return ResolutionRequest<WskAddrInfo?>.Start(irp, cancel => NameResolution.ResolveAsync(nodeName, serviceName, hints, cancel),
            list => result!.Value = list);
    }

    public static void FreeAddressInfo(WskClient client, WskAddrInfo? addrInfo)
    {
        // The list is managed memory: the collector reclaims it once the caller lets go of it.
    }

    public static NtStatus GetNameInfo(WskClient client, in SockAddr sockAddr, StrongBox<string?>? nodeName,
        StrongBox<string?>? serviceName, uint flags, object? owningProcess, object? owningThread, Irp irp)
    {
        if (!Start(irp, client))
        {
            return NtStatus.InvalidParameter;
        }

        NtStatus status = client is null ? NtStatus.InvalidParameter
            : client.Registration.IsDeregistering ? NtStatus.DeviceNotReady
            : NameResolution.CheckNameInfo(sockAddr, nodeName is not null, serviceName is not null, flags);
        if (status != NtStatus.Success)
        {
            return Refuse(irp, status);
        }

        SockAddr address = sockAddr;
        return ResolutionRequest<(string? Node, string? Service)>.Start(irp,
            cancel => NameResolution.NameOfAsync(address, nodeName is not null, serviceName is not null, flags, cancel),
            names =>
            {
                nodeName?.Value = names.Node;
                serviceName?.Value = names.Service;
            });
    }

    // --- basic --------------------------------------------------------------------------------------------------

    public static NtStatus ControlSocket(WskSocket socket, WskControlSocketType requestType, uint controlCode, uint level,
        nuint inputSize, ReadOnlySpan<byte> inputBuffer, nuint outputSize, Span<byte> outputBuffer, out nuint outputSizeReturned, Irp? irp)
    {
        if (IsDatagram(socket))
        {
            return ControlDatagram(socket, requestType, controlCode, level, inputSize, inputBuffer, outputSize, outputBuffer, out outputSizeReturned, irp);
        }

        outputSizeReturned = 0;
        nuint returned = 0;
        if (irp is not null && !Start(irp, socket))
        {
            return NtStatus.InvalidParameter;
        }

        if (requestType == WskControlSocketType.WskSetOption && controlCode == Ws2Def.SO_WSK_EVENT_CALLBACK && level == Ws2Def.SOL_SOCKET)
        {
            // Documented: an IRP only to disable, which may pend until a running callback of the event has returned.
            return outputSize <= (nuint)outputBuffer.Length ? SetEventCallbacks(socket, inputSize, inputBuffer, irp)
                : irp is null ? NtStatus.InvalidParameter : Refuse(irp, NtStatus.InvalidParameter);
        }

        NtStatus status = Control(socket, requestType, controlCode, level, inputSize, inputBuffer, outputSize, outputBuffer, out returned);
        outputSizeReturned = returned;
        irp?.CompleteInline(status, returned);
        return status;
    }

    private static NtStatus Control(WskSocket socket, WskControlSocketType requestType, uint controlCode, uint level,
        nuint inputSize, ReadOnlySpan<byte> inputBuffer, nuint outputSize, Span<byte> outputBuffer, out nuint returned)
    {
        returned = 0;
        if (socket is null)
        {
            return NtStatus.InvalidParameter;
        }

        SocketEngine engine = socket.Engine;
        if (engine.State == SocketState.Closed)
        {
            return NtStatus.InvalidHandle;
        }

        if (inputSize > (nuint)inputBuffer.Length || outputSize > (nuint)outputBuffer.Length)
        {
            return NtStatus.InvalidParameter; // A size the buffer does not have.
        }

        switch (requestType)
        {
            case WskControlSocketType.WskSetOption when level == Ws2Def.IPPROTO_TCP && controlCode is Ws2Def.TCP_FASTOPEN or Ws2Def.TCP_NODELAY:
                if (inputSize != sizeof(uint))
                {
                    return NtStatus.InvalidParameter; // Both options take a DWORD.
                }

                bool on = BinaryPrimitives.ReadUInt32LittleEndian(inputBuffer) != 0;
                if (engine.State == SocketState.Failed)
                {
                    return NtStatus.FileForcedClosed;
                }

                if (controlCode == Ws2Def.TCP_NODELAY)
                {
                    return engine.SetNoDelay(on);
                }

                uint setting = BinaryPrimitives.ReadUInt32LittleEndian(inputBuffer);
                return engine.SetFastOpen(on, setting > 1 ? (int)Math.Min(setting, 65_535) : DefaultFastOpenQueue);

            case WskControlSocketType.WskGetOption when level == Ws2Def.IPPROTO_TCP && controlCode is Ws2Def.TCP_FASTOPEN or Ws2Def.TCP_NODELAY:
                if (outputSize < sizeof(uint))
                {
                    return NtStatus.BufferTooSmall;
                }

                bool value = controlCode == Ws2Def.TCP_FASTOPEN ? engine.FastOpen : engine.NoDelay;
                BinaryPrimitives.WriteUInt32LittleEndian(outputBuffer, value ? 1u : 0u);
                returned = sizeof(uint);
                return NtStatus.Success;

            case WskControlSocketType.WskIoctl when controlCode == WskFastOpen.SIO_WSKSHARP_FASTOPEN_REPORT:
                if (outputSize < WskFastOpenReport.Size)
                {
                    return NtStatus.BufferTooSmall;
                }

                returned = (nuint)engine.FastOpenReport.WriteTo(outputBuffer);
                return NtStatus.Success;

            case WskControlSocketType.WskIoctl when controlCode == WskConstants.SIO_WSK_QUERY_INSPECT_ID:
                if (!engine.TryGetInspectId(out long key, out uint serial))
                {
                    return NtStatus.InvalidDeviceRequest; // Only a connection accepted on a conditional listener has one (documented).
                }

                if (outputSize < WskInspectId.Size)
                {
                    return NtStatus.BufferTooSmall;
                }

                returned = (nuint)new WskInspectId((nuint)key, serial).WriteTo(outputBuffer);
                return NtStatus.Success;

            case WskControlSocketType.WskSetOption when WskSocketOptions.Handles(level, controlCode):
                return engine.State == SocketState.Failed ? NtStatus.FileForcedClosed
                    : WskSocketOptions.Set(socket, level, controlCode, inputBuffer[..(int)inputSize]);

            case WskControlSocketType.WskGetOption when WskSocketOptions.Handles(level, controlCode):
                return WskSocketOptions.Get(socket, level, controlCode, outputBuffer[..(int)outputSize], out returned);

            case WskControlSocketType.WskSetOption or WskControlSocketType.WskGetOption or WskControlSocketType.WskIoctl:
                return NtStatus.NotSupported; // An option or control code WskSharp does not provide (README: socket options).

            default:
                return NtStatus.InvalidParameter;
        }
    }

    /// <summary>SO_WSK_EVENT_CALLBACK: the NPI must be NPI_WSK_INTERFACE_ID, the mask only events of the socket's category,
    /// and the client dispatch must have a callback for each event enabled. An IRP only to disable (completed here, or by
    /// the return of a callback of the event that is running: then STATUS_PENDING; without an IRP STATUS_EVENT_PENDING).</summary>
    private static NtStatus SetEventCallbacks(WskSocket socket, nuint inputSize, ReadOnlySpan<byte> inputBuffer, Irp? irp)
    {
        NtStatus status = CheckEventCallbacks(socket, inputSize, inputBuffer, out SocketEvents events, out bool disable);
        if (status.IsSuccess && disable)
        {
            return socket.Engine.DisableEvents(events, irp);
        }

        if (status.IsSuccess)
        {
            status = irp is null ? socket.Engine.SetEvents(events, disable: false) : NtStatus.InvalidParameter; // Enabling takes no IRP.
        }

        irp?.CompleteInline(status);
        return status;
    }

    private static NtStatus CheckEventCallbacks(WskSocket socket, nuint inputSize, ReadOnlySpan<byte> inputBuffer, out SocketEvents events,
        out bool disable)
    {
        events = SocketEvents.None;
        disable = false;
        if (socket is null || inputSize > (nuint)inputBuffer.Length)
        {
            return NtStatus.InvalidParameter;
        }

        if (socket.Engine.State == SocketState.Closed)
        {
            return NtStatus.InvalidHandle;
        }

        if (inputSize < WskEventCallbackControl.Size
            || !WskEventCallbackControl.TryRead(inputBuffer, out WskEventCallbackControl control)
            || control.NpiId != WskEventCallbackControl.NPI_WSK_INTERFACE_ID)
        {
            return NtStatus.InvalidParameter;
        }

        uint mask = control.EventMask & ~WskConstants.WSK_EVENT_DISABLE;
        if (mask == 0 || (mask & ~socket.AllowedEvents) != 0)
        {
            return NtStatus.InvalidParameter; // An event this kind of socket does not have (a basic socket has none).
        }

        if ((mask & socket.StaticEvents) != 0)
        {
            return NtStatus.InvalidDeviceState; // Enabled by WSK_SET_STATIC_EVENT_CALLBACKS: never disabled or re-enabled.
        }

        events = WskSocket.ToSocketEvents(mask);
        disable = (control.EventMask & WskConstants.WSK_EVENT_DISABLE) != 0;
        if (!disable && !socket.HasCallbacksFor(events))
        {
            return NtStatus.InvalidParameter; // No callback in the client dispatch for an event asked for.
        }

        return NtStatus.Success;
    }

    private const uint ConnectionEvents = WskConstants.WSK_EVENT_RECEIVE | WskConstants.WSK_EVENT_DISCONNECT | WskConstants.WSK_EVENT_SEND_BACKLOG;

    public static NtStatus CloseSocket(WskSocket socket, Irp irp)
    {
        if (!Start(irp, socket))
        {
            return NtStatus.InvalidParameter;
        }

        if (socket is null)
        {
            return Refuse(irp, NtStatus.InvalidParameter);
        }

        // An event callback of the socket may be running (the client closes from another thread, or from inside it): the
        // close completes once it has returned (STATUS_PENDING until then), and only then stops counting.
        return socket.Datagram is { } datagram
            ? datagram.Close(irp, socket.Client.SocketClosed)
            : socket.Engine.Close(irp, socket.Client.SocketClosed);
    }

    // --- connection -----------------------------------------------------------------------------------------------

    public static NtStatus Bind(WskSocket socket, in SockAddr localAddress, uint flags, Irp irp)
    {
        if (IsDatagram(socket))
        {
            return BindDatagram(socket, localAddress, flags, irp); // A SOCK_DGRAM socket created as a listening socket.
        }

        if (!Start(irp, socket))
        {
            return NtStatus.InvalidParameter;
        }

        NtStatus status = CheckSocket(socket, flags);
        if (status.IsSuccess && localAddress.Family != socket.Engine.Family)
        {
            status = NtStatus.InvalidParameter; // The family was fixed by WskSocket.
        }

        if (status.IsSuccess)
        {
            status = socket.Engine.Bind(localAddress, deferWildcard: socket.Category == WskConstants.WSK_FLAG_CONNECTION_SOCKET,
                listener: socket.Category == WskConstants.WSK_FLAG_LISTEN_SOCKET);
        }

        if (status == NtStatus.Success && socket.Category == WskConstants.WSK_FLAG_LISTEN_SOCKET)
        {
            status = socket.Engine.Listen(ListenBacklog); // A listening socket listens once bound.
        }

        irp.CompleteInline(status);
        return status;
    }

    public static NtStatus Connect(WskSocket socket, in SockAddr remoteAddress, uint flags, Irp irp)
        => ConnectEx(socket, remoteAddress, null, flags, irp);

    /// <summary>
    /// WskConnectEx. Checks, in order: the IRP (a pending one is refused and left alone); the socket (closed:
    /// STATUS_INVALID_HANDLE; no longer functional: STATUS_FILE_FORCED_CLOSED); Flags ≠ 0: STATUS_INVALID_PARAMETER;
    /// a buffer over 65,535 bytes: STATUS_BUFFER_OVERFLOW; a WSK_BUF that does not fit its MDL chain:
    /// STATUS_INVALID_PARAMETER; a socket not bound: STATUS_INVALID_DEVICE_STATE (connecting: the same; connected:
    /// STATUS_CONNECTION_ACTIVE); an address of another family than the socket's: STATUS_INVALID_PARAMETER; port 0 or
    /// a wildcard address (any scope id, or <c>::ffff:0.0.0.0</c>): STATUS_INVALID_ADDRESS_COMPONENT.
    /// </summary>
    public static NtStatus ConnectEx(WskSocket socket, in SockAddr remoteAddress, WskBuf? buffer, uint flags, Irp irp)
    {
        if (!Start(irp, socket))
        {
            return NtStatus.InvalidParameter;
        }

        NtStatus status = CheckSocket(socket, flags);
        if (status.IsSuccess && socket.Category == WskConstants.WSK_FLAG_LISTEN_SOCKET)
        {
            status = NtStatus.InvalidDeviceRequest; // A listening socket has no connect.
        }

        if (!status.IsSuccess)
        {
            return Refuse(irp, status);
        }

        int length = 0;
        WskBuf data = buffer.GetValueOrDefault();
        if (data.Length > MaxConnectExBuffer)
        {
            return Refuse(irp, NtStatus.BufferOverflow);
        }

        status = data.Validate(out length);
        if (!status.IsSuccess)
        {
            return Refuse(irp, status);
        }

        SocketEngine engine = socket.Engine;
        if (engine.State != SocketState.Bound)
        {
            return Refuse(irp, SocketEngine.StateError(engine.State));
        }

        if (remoteAddress.Family != engine.Family)
        {
            return Refuse(irp, NtStatus.InvalidParameter);
        }

        if (remoteAddress.Port == 0 || remoteAddress.IsWildcardDestination)
        {
            return Refuse(irp, NtStatus.InvalidAddressComponent);
        }

        return engine.Connect(remoteAddress, data.Mdl, (int)data.Offset, length, irp);
    }

    public static NtStatus GetLocalAddress(WskSocket socket, out SockAddr localAddress, Irp irp)
        => GetAddress(socket, remote: false, out localAddress, irp);

    public static NtStatus GetRemoteAddress(WskSocket socket, out SockAddr remoteAddress, Irp irp)
        => GetAddress(socket, remote: true, out remoteAddress, irp);

    private static NtStatus GetAddress(WskSocket socket, bool remote, out SockAddr address, Irp irp)
    {
        address = default;
        if (!Start(irp, socket))
        {
            return NtStatus.InvalidParameter;
        }

        NtStatus status = CheckSocket(socket, 0);
        if (status.IsSuccess)
        {
            status = socket.Engine.State == SocketState.Open ? NtStatus.InvalidDeviceState : socket.Engine.GetAddress(remote, out address);
        }

        irp.CompleteInline(status);
        return status;
    }

    public static NtStatus Send(WskSocket socket, in WskBuf buffer, uint flags, Irp irp)
        => Transfer(socket, buffer, flags, WskConstants.WSK_FLAG_NODELAY, send: true, irp);

    /// <summary>WskReceive: WSK_FLAG_WAITALL and WSK_FLAG_DRAIN are exclusive, and a drain takes a zero-length buffer
    /// (STATUS_INVALID_PARAMETER otherwise); a closed or no longer functional socket says so first, as for every call.</summary>
    public static NtStatus Receive(WskSocket socket, in WskBuf buffer, uint flags, Irp irp)
    {
        const uint both = WskConstants.WSK_FLAG_WAITALL | WskConstants.WSK_FLAG_DRAIN;
        bool live = socket?.Engine is { } engine && engine.State is not (SocketState.Closed or SocketState.Failed);
        if (live && ((flags & both) == both || ((flags & WskConstants.WSK_FLAG_DRAIN) != 0 && buffer.Length != 0)))
        {
            return Start(irp, socket) ? Refuse(irp, NtStatus.InvalidParameter) : NtStatus.InvalidParameter;
        }

        return Transfer(socket!, buffer, flags, both, send: false, irp); // A null socket is refused there, like every other call.
    }

    private static NtStatus Transfer(WskSocket socket, in WskBuf buffer, uint flags, uint allowedFlags, bool send, Irp irp)
    {
        if (!Start(irp, socket))
        {
            return NtStatus.InvalidParameter;
        }

        NtStatus status = CheckSocket(socket, flags & ~allowedFlags);
        if (status.IsSuccess)
        {
            status = buffer.Validate(out _);
        }

        if (!status.IsSuccess)
        {
            return Refuse(irp, status);
        }

        SocketEngine engine = socket.Engine;
        return send
            ? engine.Send(buffer.Mdl, (int)buffer.Offset, (int)buffer.Length, SendFlags(flags), irp)
            : engine.Receive(buffer.Mdl, (int)buffer.Offset, (int)buffer.Length, ReceiveFlags(flags), irp);
    }

    // WSK flags are decoded here, once: the engine sees its own TransferFlags (NODELAY and WAITALL share a bit in wsk.h).
    private static TransferFlags SendFlags(uint flags) =>
        (flags & WskConstants.WSK_FLAG_NODELAY) != 0 ? TransferFlags.NoDelay : TransferFlags.None;

    private static TransferFlags ReceiveFlags(uint flags) =>
        ((flags & WskConstants.WSK_FLAG_WAITALL) != 0 ? TransferFlags.WaitAll : TransferFlags.None)
        | ((flags & WskConstants.WSK_FLAG_DRAIN) != 0 ? TransferFlags.Drain : TransferFlags.None);

    /// <summary>
    /// WskDisconnect. Graceful (Flags 0): after the sends already queued, the optional buffer, then FIN; the IRP completes
    /// with the buffer's length; sends are refused afterwards, receives go on. Abortive (WSK_FLAG_ABORTIVE, no buffer
    /// allowed): RST at once, pending requests complete with STATUS_CANCELLED, and the socket is no longer functional.
    /// </summary>
    public static NtStatus Disconnect(WskSocket socket, WskBuf? buffer, uint flags, Irp irp)
    {
        if (!Start(irp, socket))
        {
            return NtStatus.InvalidParameter;
        }

        NtStatus status = CheckSocket(socket, flags & ~WskConstants.WSK_FLAG_ABORTIVE);
        WskBuf data = buffer.GetValueOrDefault();
        int length = 0;
        if (status.IsSuccess)
        {
            status = data.Validate(out length);
        }

        bool abortive = (flags & WskConstants.WSK_FLAG_ABORTIVE) != 0;
        if (status.IsSuccess && abortive && length != 0)
        {
            status = NtStatus.InvalidParameter; // An abortive disconnect sends no data.
        }

        if (!status.IsSuccess)
        {
            return Refuse(irp, status);
        }

        if (abortive)
        {
            status = socket.Engine.Abort();
            irp.CompleteInline(status);
            return status;
        }

        return socket.Engine.Disconnect(data.Mdl, (int)data.Offset, length, irp);
    }

    /// <summary>WskRelease: gives back the data of indications the client kept (its receive event returned STATUS_PENDING).</summary>
    public static NtStatus Release(WskSocket socket, WskDataIndication dataIndication)
    {
        if (socket?.Engine is null || dataIndication is null)
        {
            return NtStatus.InvalidParameter;
        }

        if (socket.Engine.State == SocketState.Closed)
        {
            return NtStatus.InvalidHandle;
        }

        NtStatus status = NtStatus.Success;
        for (WskDataIndication? indication = dataIndication; indication is not null; indication = indication.Next)
        {
            if (indication.ProviderHold is not byte[] buffer || socket.Engine.ReleaseBuffer(buffer) != NtStatus.Success)
            {
                status = NtStatus.InvalidParameter;
                continue;
            }

            indication.ProviderHold = null;
        }

        return status;
    }

    /// <summary>WskSendEx: WskSend with control information. A TCP stream carries no control messages here, so a
    /// non-empty ControlInfo is STATUS_NOT_SUPPORTED (a length beyond its buffer STATUS_INVALID_PARAMETER); without one
    /// it is WskSend, rule for rule.</summary>
    public static NtStatus SendEx(WskSocket socket, in WskBuf buffer, uint flags, nuint controlInfoLength, ReadOnlySpan<byte> controlInfo, Irp irp)
    {
        if (controlInfoLength != 0)
        {
            NtStatus refusal = controlInfoLength > (nuint)controlInfo.Length ? NtStatus.InvalidParameter : NtStatus.NotSupported;
            return Start(irp, socket) ? Refuse(irp, refusal) : NtStatus.InvalidParameter;
        }

        return Send(socket, buffer, flags, irp);
    }

    /// <summary>WskReceiveEx: WskReceive that also reports control information. A TCP stream has none: ControlInfoLength
    /// comes back 0 and ControlFlags 0 (a length beyond the ControlInfo buffer is STATUS_INVALID_PARAMETER); the data, the
    /// flags and the rules are WskReceive's.</summary>
    public static NtStatus ReceiveEx(WskSocket socket, in WskBuf buffer, uint flags, StrongBox<uint>? controlInfoLength,
        Memory<byte> controlInfo, StrongBox<uint>? controlFlags, Irp irp)
    {
        if (controlInfoLength is { } given && given.Value > (uint)controlInfo.Length)
        {
            return Start(irp, socket) ? Refuse(irp, NtStatus.InvalidParameter) : NtStatus.InvalidParameter;
        }

        // Written before the request starts, so they are in place whenever the IRP completes: a stream has no control data.
        controlInfoLength?.Value = 0;
        controlFlags?.Value = 0;
        return Receive(socket, buffer, flags, irp);
    }

    /// <summary>WskListen (stream sockets): the socket must be bound and never connected (a stream socket that connected is
    /// committed to the connection flow: STATUS_INVALID_DEVICE_STATE).</summary>
    public static NtStatus Listen(WskSocket socket, Irp irp)
    {
        if (!Start(irp, socket))
        {
            return NtStatus.InvalidParameter;
        }

        NtStatus status = CheckSocket(socket, 0);
        if (status.IsSuccess)
        {
            status = socket.Category != WskConstants.WSK_FLAG_STREAM_SOCKET ? NtStatus.InvalidDeviceRequest
                : socket.Engine.WasConnected ? NtStatus.InvalidDeviceState
                : socket.Engine.Listen(ListenBacklog);
        }

        irp.CompleteInline(status);
        return status;
    }

    /// <summary>WskAccept: on success <c>IoStatus.Pointer</c> is the accepted connection socket, with the given context and
    /// client dispatch; the boxes, when given, receive its local and remote addresses.</summary>
    public static NtStatus Accept(WskSocket listenSocket, uint flags, object? acceptSocketContext, object? acceptSocketDispatch,
        StrongBox<SockAddr>? localAddress, StrongBox<SockAddr>? remoteAddress, Irp irp)
    {
        if (!Start(irp, listenSocket))
        {
            return NtStatus.InvalidParameter;
        }

        NtStatus status = CheckSocket(listenSocket, flags);
        if (status.IsSuccess)
        {
            status = listenSocket.Category is not (WskConstants.WSK_FLAG_LISTEN_SOCKET or WskConstants.WSK_FLAG_STREAM_SOCKET)
                ? NtStatus.InvalidDeviceRequest
                : listenSocket.Engine.WasConnected ? NtStatus.InvalidDeviceState : NtStatus.Success;
        }

        if (!status.IsSuccess)
        {
            return Refuse(irp, status);
        }

        return listenSocket.Engine.Accept(new AcceptRequest(acceptSocketContext, acceptSocketDispatch, localAddress, remoteAddress), irp);
    }

    /// <summary>WskInspectComplete: on a listener with SO_CONDITIONAL_ACCEPT (STATUS_INVALID_DEVICE_REQUEST on another kind of
    /// socket, STATUS_INVALID_DEVICE_STATE on a listener without it), Accept or Reject (anything else:
    /// STATUS_INVALID_PARAMETER) a request the client pended (another id: STATUS_INVALID_PARAMETER). Completes at once.</summary>
    public static NtStatus InspectComplete(WskSocket listenSocket, in WskInspectId inspectId, WskInspectAction action, Irp irp)
    {
        if (!Start(irp, listenSocket))
        {
            return NtStatus.InvalidParameter;
        }

        NtStatus status = CheckSocket(listenSocket, 0);
        if (status.IsSuccess && listenSocket.Category is not (WskConstants.WSK_FLAG_LISTEN_SOCKET or WskConstants.WSK_FLAG_STREAM_SOCKET))
        {
            status = NtStatus.InvalidDeviceRequest;
        }

        if (status.IsSuccess && !listenSocket.Engine.ConditionalAccept)
        {
            status = NtStatus.InvalidDeviceState;
        }

        if (status.IsSuccess && action is not (WskInspectAction.WskInspectAccept or WskInspectAction.WskInspectReject))
        {
            status = NtStatus.InvalidParameter;
        }

        if (status.IsSuccess)
        {
            status = listenSocket.Engine.CompleteInspection((long)inspectId.Key, inspectId.SerialNumber, action == WskInspectAction.WskInspectAccept);
        }

        irp.CompleteInline(status);
        return status;
    }

    // --- helpers --------------------------------------------------------------------------------------------------

    /// <summary>Takes the IRP for this call. A null IRP, or one still pending, cannot be completed: the call only returns.</summary>
    /// <summary>Takes the IRP for the request; its completion reports a throwing completion routine to the client's logger.</summary>
    private static bool Start(Irp irp, WskClient? client) => irp is not null && irp.TryStart(client?.IrpLogger);

    private static bool Start(Irp irp, WskSocket? socket) => Start(irp, socket?.Client);

    /// <summary>A refusal before any I/O: returned and put in the IRP, whose completion routine runs now.</summary>
    private static NtStatus Refuse(Irp irp, NtStatus status)
    {
        irp.CompleteInline(status);
        return status;
    }

    /// <summary>The checks every stream socket call makes (all but WskControlSocket and WskCloseSocket): a connection, listening
    /// or stream socket, live, and no flag outside those the call allows.</summary>
    private static NtStatus CheckSocket(WskSocket socket, uint disallowedFlags)
    {
        if (socket is null)
        {
            return NtStatus.InvalidParameter;
        }

        if (socket.Engine is null || socket.Category == WskConstants.WSK_FLAG_BASIC_SOCKET)
        {
            // A datagram socket has none of the stream functions; a basic socket has WskControlSocket and WskCloseSocket
            // only, so another socket's table given one is refused as any call on the wrong kind of socket.
            return NtStatus.InvalidDeviceRequest;
        }

        SocketState state = socket.Engine.State;
        if (state == SocketState.Closed)
        {
            return NtStatus.InvalidHandle;
        }

        if (state == SocketState.Failed)
        {
            return NtStatus.FileForcedClosed;
        }

        return disallowedFlags != 0 ? NtStatus.InvalidParameter : NtStatus.Success;
    }

    /// <summary>A SOCK_DGRAM socket (its calls go to the datagram half). Not a null check the compiler learns from: a null
    /// socket goes on to the refusal of the call it was given to.</summary>
    private static bool IsDatagram(WskSocket socket) => socket is not null && socket.Datagram is not null;

    internal static void Discard(WskSocket? socket)
    {
        if (socket is not null && socket.Engine.Close().IsSuccess)
        {
            socket.Client.RemoveSocket();
        }
    }
}
