namespace WskSharp.Wsk;

/// <summary><c>WSK_CLIENT_LISTEN_DISPATCH</c>: a listening socket's event callbacks, in the documented order.</summary>
/// <param name="WskAcceptEvent">A connection arrived.</param>
/// <param name="WskInspectEvent">Conditional accept (SO_CONDITIONAL_ACCEPT): a connection request to decide.</param>
/// <param name="WskAbortEvent">Conditional accept: a request accepted or pended was dropped.</param>
public sealed record WskClientListenDispatch(
    PfnWskAcceptEvent? WskAcceptEvent = null,
    PfnWskInspectEvent? WskInspectEvent = null,
    PfnWskAbortEvent? WskAbortEvent = null);
