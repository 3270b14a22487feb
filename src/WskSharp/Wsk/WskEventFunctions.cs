using WskSharp.Nt;
using WskSharp.Ws2;

namespace WskSharp.Wsk;

// The client's event callbacks (PFN_WSK_*_EVENT of wsk.h). They run on the provider's event loop thread, as
// Windows runs them at DISPATCH_LEVEL: they must return quickly and never block.

/// <summary><c>PFN_WSK_RECEIVE_EVENT</c>: data arrived on a connected socket. Return <see cref="NtStatus.Success"/> having
/// consumed <paramref name="bytesAccepted"/> bytes (the rest stays for WskReceive), <see cref="NtStatus.DataNotAccepted"/>
/// to leave all of it for WskReceive, or <see cref="NtStatus.Pending"/> to keep the indication list until WskRelease.
/// A null <paramref name="dataIndication"/> means the socket is no longer functional.</summary>
public delegate NtStatus PfnWskReceiveEvent(object? socketContext, uint flags, WskDataIndication? dataIndication,
    nuint bytesIndicated, ref nuint bytesAccepted);

/// <summary><c>PFN_WSK_DISCONNECT_EVENT</c>: the peer disconnected; <paramref name="flags"/> has
/// <see cref="WskConstants.WSK_FLAG_ABORTIVE"/> for a reset.</summary>
public delegate NtStatus PfnWskDisconnectEvent(object? socketContext, uint flags);

/// <summary><c>PFN_WSK_SEND_BACKLOG_EVENT</c>: the ideal amount of data to keep queued for sending.</summary>
public delegate NtStatus PfnWskSendBacklogEvent(object? socketContext, nuint idealBacklogSize);

/// <summary><c>PFN_WSK_ACCEPT_EVENT</c>: a connection arrived on a listening socket. Return <see cref="NtStatus.Success"/>
/// (setting the accepted socket's context and client dispatch) to keep it, or
/// <see cref="NtStatus.RequestNotAccepted"/> to refuse it (the provider closes it).</summary>
public delegate NtStatus PfnWskAcceptEvent(object? socketContext, uint flags, in SockAddr localAddress, in SockAddr remoteAddress,
    WskSocket? acceptSocket, out object? acceptSocketContext, out object? acceptSocketDispatch);

/// <summary><c>PFN_WSK_INSPECT_EVENT</c>: on a listener with SO_CONDITIONAL_ACCEPT, a connection request arrived. Return
/// <see cref="WskInspectAction.WskInspectAccept"/>, <see cref="WskInspectAction.WskInspectReject"/>, or
/// <see cref="WskInspectAction.WskInspectPend"/> and decide later with WskInspectComplete, keeping a copy of
/// <paramref name="inspectId"/>. (A null id would mean the listener is no longer functional; WskSharp does not send one.)</summary>
public delegate WskInspectAction PfnWskInspectEvent(object? socketContext, in SockAddr localAddress, in SockAddr remoteAddress, WskInspectId? inspectId);

/// <summary><c>PFN_WSK_ABORT_EVENT</c>: a request the client accepted or pended was dropped (the peer reset it) before an
/// accept took it; its id is no longer valid. Return <see cref="NtStatus.Success"/>.</summary>
public delegate NtStatus PfnWskAbortEvent(object? socketContext, in WskInspectId inspectId);
