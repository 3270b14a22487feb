namespace WskSharp.Wsk;

/// <summary><c>WSK_CLIENT_DATAGRAM_DISPATCH</c>: a datagram socket's event callback. Pass it as the <c>Dispatch</c> of WskSocket;
/// enable the event with <c>SO_WSK_EVENT_CALLBACK</c> and <see cref="WskConstants.WSK_EVENT_RECEIVE_FROM"/>.</summary>
/// <param name="WskReceiveFromEvent">Datagrams arrived.</param>
public sealed record WskClientDatagramDispatch(PfnWskReceiveFromEvent? WskReceiveFromEvent = null);
