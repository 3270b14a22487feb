using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using WskSharp.Internal;
using WskSharp.Nt;

namespace WskSharp.Wsk;

/// <summary>
/// The provider's functions behind the dispatch tables. Each validates its call (the one place every documented
/// rule is checked), then hands the request to the socket's engine; every refusal is returned and put in the IRP,
/// and the IRP's completion routine runs once, before the call returns.
/// </summary>
internal static class WskProvider
{
    /// <summary>WskConnectEx: the largest buffer allowed.</summary>
    public const int MaxConnectExBuffer = 65_535;

    internal static readonly WskProviderDispatch ProviderDispatch = new();

    // --- provider level ---------------------------------------------------------------------------------------

    public static NtStatus Socket(WskClient client, ushort addressFamily, ushort socketType, uint protocol, uint flags,
        object? socketContext, object? dispatch, object? owningProcess, object? owningThread, object? securityDescriptor, Irp irp)
    {
        if (!Start(irp))
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
            return NtStatus.InvalidParameter;
        }

        object? providerDispatch = flags switch
        {
            WskConstants.WSK_FLAG_CONNECTION_SOCKET => WskProviderConnectionDispatch.Instance,
            WskConstants.WSK_FLAG_STREAM_SOCKET => WskProviderStreamDispatch.Instance,
            _ => null,
        };
        if (flags is WskConstants.WSK_FLAG_BASIC_SOCKET or WskConstants.WSK_FLAG_LISTEN_SOCKET or WskConstants.WSK_FLAG_DATAGRAM_SOCKET)
        {
            return NtStatus.NotSupported; // Basic, listen and datagram sockets are not provided (yet).
        }

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

        status = SocketEngine.Create(client.Stack, addressFamily, out SocketEngine? engine);
        if (!status.IsSuccess)
        {
            client.RemoveSocket();
            return status;
        }

        socket = new WskSocket(client, engine!, flags, providerDispatch, socketContext, dispatch);
        return NtStatus.Success;
    }

    public static NtStatus SocketConnect(WskClient client, ushort socketType, uint protocol, in SockAddr localAddress,
        in SockAddr remoteAddress, uint flags, object? socketContext, object? dispatch, object? owningProcess, object? owningThread,
        object? securityDescriptor, Irp irp)
    {
        if (!Start(irp))
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
        return Optional(irp, client is null ? NtStatus.InvalidParameter : NtStatus.NotSupported);
    }

    public static NtStatus GetAddressInfo(WskClient client, string? nodeName, string? serviceName, uint nameSpace, Guid? provider,
        object? hints, StrongBox<object?> result, object? owningProcess, object? owningThread, Irp irp)
        => NotImplemented(irp);

    public static void FreeAddressInfo(WskClient client, object? addrInfo)
    {
        // Nothing is allocated by GetAddressInfo yet, so there is nothing to free.
    }

    public static NtStatus GetNameInfo(WskClient client, in SockAddr sockAddr, StrongBox<string?>? nodeName,
        StrongBox<string?>? serviceName, uint flags, object? owningProcess, object? owningThread, Irp irp)
        => NotImplemented(irp);

    // --- basic --------------------------------------------------------------------------------------------------

    public static NtStatus ControlSocket(WskSocket socket, WskControlSocketType requestType, uint controlCode, uint level,
        nuint inputSize, ReadOnlySpan<byte> inputBuffer, nuint outputSize, Span<byte> outputBuffer, out nuint outputSizeReturned, Irp? irp)
    {
        outputSizeReturned = 0;
        if (irp is not null && !irp.TryStart())
        {
            return NtStatus.InvalidParameter;
        }

        NtStatus status = Control(socket, requestType, controlCode, level, inputSize, inputBuffer, outputSize, outputBuffer, out nuint returned);
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
                if (controlCode == Ws2Def.TCP_NODELAY)
                {
                    return engine.SetNoDelay(on);
                }

                if (engine.State == SocketState.Failed)
                {
                    return NtStatus.FileForcedClosed;
                }

                engine.FastOpen = on;
                return NtStatus.Success;

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

            case WskControlSocketType.WskSetOption or WskControlSocketType.WskGetOption or WskControlSocketType.WskIoctl:
                return NtStatus.NotSupported; // An option or control code WskSharp does not provide.

            default:
                return NtStatus.InvalidParameter;
        }
    }

    public static NtStatus CloseSocket(WskSocket socket, Irp irp)
    {
        if (!Start(irp))
        {
            return NtStatus.InvalidParameter;
        }

        if (socket is null)
        {
            return Refuse(irp, NtStatus.InvalidParameter);
        }

        NtStatus status = socket.Engine.Close();
        if (status.IsSuccess)
        {
            socket.Client.RemoveSocket();
        }

        irp.CompleteInline(status);
        return status;
    }

    // --- connection -----------------------------------------------------------------------------------------------

    public static NtStatus Bind(WskSocket socket, in SockAddr localAddress, uint flags, Irp irp)
    {
        if (!Start(irp))
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
            status = socket.Engine.Bind(localAddress);
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
    /// the wildcard address: STATUS_INVALID_ADDRESS_COMPONENT.
    /// </summary>
    public static NtStatus ConnectEx(WskSocket socket, in SockAddr remoteAddress, WskBuf? buffer, uint flags, Irp irp)
    {
        if (!Start(irp))
        {
            return NtStatus.InvalidParameter;
        }

        NtStatus status = CheckSocket(socket, flags);
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

        if (remoteAddress.Port == 0 || remoteAddress.IsWildcard)
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
        if (!Start(irp))
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

    public static NtStatus Receive(WskSocket socket, in WskBuf buffer, uint flags, Irp irp)
        => Transfer(socket, buffer, flags, WskConstants.WSK_FLAG_WAITALL, send: false, irp);

    private static NtStatus Transfer(WskSocket socket, in WskBuf buffer, uint flags, uint allowedFlags, bool send, Irp irp)
    {
        if (!Start(irp))
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
            ? engine.Send(buffer.Mdl, (int)buffer.Offset, (int)buffer.Length, flags, irp)
            : engine.Receive(buffer.Mdl, (int)buffer.Offset, (int)buffer.Length, flags, irp);
    }

    public static NtStatus Disconnect(WskSocket socket, WskBuf? buffer, uint flags, Irp irp) => NotImplemented(irp);

    public static NtStatus Release(WskSocket socket, WskDataIndication dataIndication) => NtStatus.NotImplemented;

    public static NtStatus SendEx(WskSocket socket, in WskBuf buffer, uint flags, nuint controlInfoLength, ReadOnlySpan<byte> controlInfo, Irp irp)
        => NotImplemented(irp);

    public static NtStatus ReceiveEx(WskSocket socket, in WskBuf buffer, uint flags, StrongBox<uint>? controlInfoLength,
        Memory<byte> controlInfo, StrongBox<uint>? controlFlags, Irp irp) => NotImplemented(irp);

    public static NtStatus Listen(WskSocket socket, Irp irp) => NotImplemented(irp);

    public static NtStatus Accept(WskSocket listenSocket, uint flags, object? acceptSocketContext, object? acceptSocketDispatch,
        StrongBox<SockAddr>? localAddress, StrongBox<SockAddr>? remoteAddress, Irp irp) => NotImplemented(irp);

    public static NtStatus InspectComplete(WskSocket listenSocket, object inspectId, int action, Irp irp) => NotImplemented(irp);

    // --- helpers --------------------------------------------------------------------------------------------------

    /// <summary>Takes the IRP for this call. A null IRP, or one still pending, cannot be completed: the call only returns.</summary>
    private static bool Start(Irp irp) => irp is not null && irp.TryStart();

    /// <summary>A refusal before any I/O: returned and put in the IRP, whose completion routine runs now.</summary>
    private static NtStatus Refuse(Irp irp, NtStatus status)
    {
        irp.CompleteInline(status);
        return status;
    }

    /// <summary>The checks every socket call makes: a live socket, and no flag outside those the call allows.</summary>
    private static NtStatus CheckSocket(WskSocket socket, uint disallowedFlags)
    {
        if (socket is null)
        {
            return NtStatus.InvalidParameter;
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

    private static NtStatus NotImplemented(Irp irp) => Start(irp) ? Refuse(irp, NtStatus.NotImplemented) : NtStatus.InvalidParameter;

    private static NtStatus Optional(Irp? irp, NtStatus status)
    {
        if (irp is not null && irp.TryStart())
        {
            irp.CompleteInline(status);
        }

        return status;
    }

    private static void Discard(WskSocket? socket)
    {
        if (socket is not null && socket.Engine.Close().IsSuccess)
        {
            socket.Client.RemoveSocket();
        }
    }
}
