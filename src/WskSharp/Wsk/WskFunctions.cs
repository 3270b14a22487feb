using System.Runtime.CompilerServices;
using WskSharp.Nt;
using WskSharp.Ws2;

namespace WskSharp.Wsk;

// The PFN_WSK_* function types of wsk.h. Parameters keep their documented order; each asynchronous call
// ends with the caller's IRP. Pointers the C API passes for results become `out` parameters or caller-owned
// boxes filled at completion.

/// <summary><c>PFN_WSK_SOCKET</c>: creates a socket; on success <c>IoStatus.Pointer</c> is the <see cref="WskSocket"/>.</summary>
public delegate NtStatus PfnWskSocket(WskClient client, ushort addressFamily, ushort socketType, uint protocol, uint flags,
    object? socketContext, object? dispatch, object? owningProcess, object? owningThread, object? securityDescriptor, Irp irp);

/// <summary><c>PFN_WSK_SOCKET_CONNECT</c>: creates, binds and connects a connection socket in one call.</summary>
public delegate NtStatus PfnWskSocketConnect(WskClient client, ushort socketType, uint protocol, in SockAddr localAddress,
    in SockAddr remoteAddress, uint flags, object? socketContext, object? dispatch, object? owningProcess, object? owningThread,
    object? securityDescriptor, Irp irp);

/// <summary><c>PFN_WSK_CONTROL_CLIENT</c>: a provider-level control request.</summary>
public delegate NtStatus PfnWskControlClient(WskClient client, uint controlCode, nuint inputSize, ReadOnlySpan<byte> inputBuffer,
    nuint outputSize, Span<byte> outputBuffer, out nuint outputSizeReturned, Irp? irp);

/// <summary><c>PFN_WSK_GET_ADDRESS_INFO</c>: name resolution; <paramref name="result"/> receives the list (owned by the
/// provider until <see cref="PfnWskFreeAddressInfo"/>).</summary>
public delegate NtStatus PfnWskGetAddressInfo(WskClient client, string? nodeName, string? serviceName, uint nameSpace,
    Guid? provider, WskAddrInfo? hints, StrongBox<WskAddrInfo?> result, object? owningProcess, object? owningThread, Irp irp);

/// <summary><c>PFN_WSK_FREE_ADDRESS_INFO</c>: frees a list from <see cref="PfnWskGetAddressInfo"/>.</summary>
public delegate void PfnWskFreeAddressInfo(WskClient client, WskAddrInfo? addrInfo);

/// <summary><c>PFN_WSK_GET_NAME_INFO</c>: reverse name resolution.</summary>
public delegate NtStatus PfnWskGetNameInfo(WskClient client, in SockAddr sockAddr, StrongBox<string?>? nodeName,
    StrongBox<string?>? serviceName, uint flags, object? owningProcess, object? owningThread, Irp irp);

/// <summary><c>PFN_WSK_CONTROL_SOCKET</c>: set or get an option, or an I/O control. The IRP is optional for
/// requests that complete at once.</summary>
public delegate NtStatus PfnWskControlSocket(WskSocket socket, WskControlSocketType requestType, uint controlCode, uint level,
    nuint inputSize, ReadOnlySpan<byte> inputBuffer, nuint outputSize, Span<byte> outputBuffer, out nuint outputSizeReturned, Irp? irp);

/// <summary><c>PFN_WSK_CLOSE_SOCKET</c>.</summary>
public delegate NtStatus PfnWskCloseSocket(WskSocket socket, Irp irp);

/// <summary><c>PFN_WSK_BIND</c>.</summary>
public delegate NtStatus PfnWskBind(WskSocket socket, in SockAddr localAddress, uint flags, Irp irp);

/// <summary><c>PFN_WSK_CONNECT</c>.</summary>
public delegate NtStatus PfnWskConnect(WskSocket socket, in SockAddr remoteAddress, uint flags, Irp irp);

/// <summary><c>PFN_WSK_CONNECT_EX</c>: connect, and send <paramref name="buffer"/> (at most 65,535 bytes) during or
/// right after connection setup.</summary>
public delegate NtStatus PfnWskConnectEx(WskSocket socket, in SockAddr remoteAddress, WskBuf? buffer, uint flags, Irp irp);

/// <summary><c>PFN_WSK_GET_LOCAL_ADDRESS</c>.</summary>
public delegate NtStatus PfnWskGetLocalAddress(WskSocket socket, out SockAddr localAddress, Irp irp);

/// <summary><c>PFN_WSK_GET_REMOTE_ADDRESS</c>.</summary>
public delegate NtStatus PfnWskGetRemoteAddress(WskSocket socket, out SockAddr remoteAddress, Irp irp);

/// <summary><c>PFN_WSK_SEND</c>.</summary>
public delegate NtStatus PfnWskSend(WskSocket socket, in WskBuf buffer, uint flags, Irp irp);

/// <summary><c>PFN_WSK_RECEIVE</c>.</summary>
public delegate NtStatus PfnWskReceive(WskSocket socket, in WskBuf buffer, uint flags, Irp irp);

/// <summary><c>PFN_WSK_DISCONNECT</c>.</summary>
public delegate NtStatus PfnWskDisconnect(WskSocket socket, WskBuf? buffer, uint flags, Irp irp);

/// <summary><c>PFN_WSK_RELEASE_DATA_INDICATION_LIST</c>.</summary>
public delegate NtStatus PfnWskRelease(WskSocket socket, WskDataIndication dataIndication);

/// <summary><c>PFN_WSK_SEND_EX</c>.</summary>
public delegate NtStatus PfnWskSendEx(WskSocket socket, in WskBuf buffer, uint flags, nuint controlInfoLength,
    ReadOnlySpan<byte> controlInfo, Irp irp);

/// <summary><c>PFN_WSK_RECEIVE_EX</c>.</summary>
public delegate NtStatus PfnWskReceiveEx(WskSocket socket, in WskBuf buffer, uint flags, StrongBox<uint>? controlInfoLength,
    Memory<byte> controlInfo, StrongBox<uint>? controlFlags, Irp irp);

/// <summary><c>PFN_WSK_LISTEN</c> (stream sockets).</summary>
public delegate NtStatus PfnWskListen(WskSocket socket, Irp irp);

/// <summary><c>PFN_WSK_ACCEPT</c>: on success <c>IoStatus.Pointer</c> is the accepted <see cref="WskSocket"/>; the
/// boxes, when given, receive the addresses.</summary>
public delegate NtStatus PfnWskAccept(WskSocket listenSocket, uint flags, object? acceptSocketContext, object? acceptSocketDispatch,
    StrongBox<SockAddr>? localAddress, StrongBox<SockAddr>? remoteAddress, Irp irp);

/// <summary><c>PFN_WSK_INSPECT_COMPLETE</c>: the decision (<see cref="WskInspectAction.WskInspectAccept"/> or
/// <see cref="WskInspectAction.WskInspectReject"/>) on a request the client pended.</summary>
public delegate NtStatus PfnWskInspectComplete(WskSocket listenSocket, in WskInspectId inspectId, WskInspectAction action, Irp irp);

/// <summary><c>PFN_WSK_CLIENT_EVENT</c>: the client's provider-level event callback.</summary>
public delegate NtStatus PfnWskClientEvent(object? clientContext, uint eventType, ReadOnlySpan<byte> information);
