namespace WskSharp.Wsk;

/// <summary><c>WSK_CLIENT_STREAM_DISPATCH</c>: a stream socket's event callbacks (the listen members, then the connection
/// members), in the documented order.</summary>
/// <param name="WskAcceptEvent">A connection arrived (while listening).</param>
/// <param name="WskInspectEvent">Conditional accept (SO_CONDITIONAL_ACCEPT): a connection request to decide.</param>
/// <param name="WskAbortEvent">Conditional accept: a request accepted or pended was dropped.</param>
/// <param name="WskReceiveEvent">Data arrived (once connected).</param>
/// <param name="WskDisconnectEvent">The peer disconnected.</param>
/// <param name="WskSendBacklogEvent">The ideal send backlog.</param>
public sealed record WskClientStreamDispatch(
    PfnWskAcceptEvent? WskAcceptEvent = null,
    PfnWskInspectEvent? WskInspectEvent = null,
    PfnWskAbortEvent? WskAbortEvent = null,
    PfnWskReceiveEvent? WskReceiveEvent = null,
    PfnWskDisconnectEvent? WskDisconnectEvent = null,
    PfnWskSendBacklogEvent? WskSendBacklogEvent = null);
