namespace WskSharp.Wsk;

/// <summary><c>WSK_CLIENT_LISTEN_DISPATCH</c>: a listening socket's event callbacks, in the documented order.</summary>
/// <param name="WskAcceptEvent">A connection arrived.</param>
/// <param name="WskInspectEvent">Conditional accept (never called: not offered).</param>
/// <param name="WskAbortEvent">Conditional accept (never called: not offered).</param>
public sealed record WskClientListenDispatch(
    PfnWskAcceptEvent? WskAcceptEvent = null,
    PfnWskInspectEvent? WskInspectEvent = null,
    PfnWskAbortEvent? WskAbortEvent = null);
