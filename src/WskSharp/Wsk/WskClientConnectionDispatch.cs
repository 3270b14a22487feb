namespace WskSharp.Wsk;

/// <summary><c>WSK_CLIENT_CONNECTION_DISPATCH</c>: a connection socket's event callbacks, in the documented order. Pass it
/// as the <c>Dispatch</c> of WskSocket (or as the accepted socket's dispatch); enable the events with
/// <see cref="WskEvents.Enable"/> (<c>SO_WSK_EVENT_CALLBACK</c>).</summary>
/// <param name="WskReceiveEvent">Data arrived.</param>
/// <param name="WskDisconnectEvent">The peer disconnected.</param>
/// <param name="WskSendBacklogEvent">The ideal send backlog.</param>
public sealed record WskClientConnectionDispatch(
    PfnWskReceiveEvent? WskReceiveEvent = null,
    PfnWskDisconnectEvent? WskDisconnectEvent = null,
    PfnWskSendBacklogEvent? WskSendBacklogEvent = null);
