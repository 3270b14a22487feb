using WskSharp.Internal;
using WskSharp.Nt;
using WskSharp.Ws2;

namespace WskSharp.Wsk;

/// <summary>
/// <c>WSK_SOCKET</c>: a socket object. <see cref="Dispatch"/> is the provider dispatch table of the socket's category
/// (<see cref="WskProviderConnectionDispatch"/>, <see cref="WskProviderStreamDispatch"/>, <see cref="WskProviderListenDispatch"/>):
/// cast it, as a C client casts <c>Socket->Dispatch</c>. After WskCloseSocket the object is dead: every call on it is
/// refused with <c>STATUS_INVALID_HANDLE</c>.
/// </summary>
public sealed class WskSocket : ISocketEventSink, IDatagramEventSink
{
    internal WskSocket(WskClient client, SocketEngine engine, uint category, object dispatch, object? context, object? clientDispatch)
    {
        Client = client;
        Engine = engine;
        Category = category;
        Dispatch = dispatch;
        Context = context;
        ClientDispatch = clientDispatch;
        engine.EventSink = this;
        if (category is WskConstants.WSK_FLAG_LISTEN_SOCKET or WskConstants.WSK_FLAG_STREAM_SOCKET)
        {
            engine.AcceptFactory = client;
        }
    }

    internal WskSocket(WskClient client, DatagramEngine datagram, uint category, object dispatch, object? context, object? clientDispatch)
    {
        Client = client;
        Engine = null!; // A datagram socket has no stream engine: every stream function refuses it before looking (WskProvider.CheckSocket).
        Datagram = datagram;
        Category = category;
        Dispatch = dispatch;
        Context = context;
        ClientDispatch = clientDispatch;
        datagram.EventSink = this;
    }

    /// <summary>The provider dispatch table for this socket's category.</summary>
    public object Dispatch { get; }

    /// <summary>The category flag given to WskSocket (<see cref="WskConstants.WSK_FLAG_CONNECTION_SOCKET"/>, ...).</summary>
    public uint Category { get; }

    /// <summary>The client's socket context, as given to WskSocket (or WskAccept, or the accept event).</summary>
    public object? Context { get; internal set; }

    /// <summary>The client's event dispatch (<see cref="WskClientConnectionDispatch"/>, <see cref="WskClientListenDispatch"/>
    /// or <see cref="WskClientStreamDispatch"/>), as given when the socket was made.</summary>
    internal object? ClientDispatch { get; set; }

    internal WskClient Client { get; }

    internal SocketEngine Engine { get; }

    /// <summary>The datagram engine of a SOCK_DGRAM socket (null for a stream socket).</summary>
    internal DatagramEngine? Datagram { get; }

    /// <summary>The client's WskReceiveFromEvent, from a <see cref="WskClientDatagramDispatch"/>.</summary>
    internal PfnWskReceiveFromEvent? ReceiveFromEvent => (ClientDispatch as WskClientDatagramDispatch)?.WskReceiveFromEvent;

    NtStatus IDatagramEventSink.OnReceiveFrom(HeldDatagram first)
    {
        // The engine's list as WSK_DATAGRAM_INDICATIONs linked through Next, each made once per pooled datagram and reused.
        WskDatagramIndication? head = null, tail = null;
        int count = 0;
        for (HeldDatagram? datagram = first; datagram is not null; datagram = datagram.Next)
        {
            count++;
            if (datagram.Indication is not WskDatagramIndication indication)
            {
                indication = new WskDatagramIndication { ProviderHold = datagram };
                datagram.Indication = indication;
            }

            datagram.Mdl.Memory = datagram.Buffer.AsMemory(0, datagram.Length);
            indication.Next = null;
            indication.Buffer = new WskBuf(datagram.Mdl, 0, (nuint)datagram.Length);
            indication.RemoteAddress = datagram.Remote;
            indication.ControlInfo = datagram.Control.AsMemory(0, datagram.ControlLength);
            indication.ControlInfoLength = (uint)datagram.ControlLength;
            indication.ProviderHold = datagram;
            if (tail is null)
            {
                head = indication;
            }
            else
            {
                tail.Next = indication;
            }

            tail = indication;
        }

        try
        {
            NtStatus status = ReceiveFromEvent?.Invoke(Context, 0, head) ?? NtStatus.DataNotAccepted;
            return status == NtStatus.Success || status == NtStatus.Pending ? status : NtStatus.DataNotAccepted;
        }
        catch (Exception ex)
        {
            if (Client.EngineSettings.Logger is { } logger)
            {
                WskLog.ReceiveFromEventThrew(logger, count, ex);
            }
            return NtStatus.DataNotAccepted;
        }
    }

    private PfnWskReceiveEvent? ReceiveEvent => ClientDispatch switch
    {
        WskClientConnectionDispatch c => c.WskReceiveEvent,
        WskClientStreamDispatch s => s.WskReceiveEvent,
        _ => null,
    };

    private PfnWskDisconnectEvent? DisconnectEvent => ClientDispatch switch
    {
        WskClientConnectionDispatch c => c.WskDisconnectEvent,
        WskClientStreamDispatch s => s.WskDisconnectEvent,
        _ => null,
    };

    private PfnWskSendBacklogEvent? SendBacklogEvent => ClientDispatch switch
    {
        WskClientConnectionDispatch c => c.WskSendBacklogEvent,
        WskClientStreamDispatch s => s.WskSendBacklogEvent,
        _ => null,
    };

    private PfnWskAcceptEvent? AcceptEvent => ClientDispatch switch
    {
        WskClientListenDispatch l => l.WskAcceptEvent,
        WskClientStreamDispatch s => s.WskAcceptEvent,
        _ => null,
    };

    /// <summary>The WSK_EVENT_* flags a socket of this category has.</summary>
    internal uint AllowedEvents => Category switch
    {
        WskConstants.WSK_FLAG_LISTEN_SOCKET => WskConstants.WSK_EVENT_ACCEPT,
        WskConstants.WSK_FLAG_STREAM_SOCKET => WskConstants.WSK_EVENT_ACCEPT | ConnectionEvents,
        WskConstants.WSK_FLAG_CONNECTION_SOCKET => ConnectionEvents,
        WskConstants.WSK_FLAG_DATAGRAM_SOCKET => WskConstants.WSK_EVENT_RECEIVE_FROM,
        _ => 0, // A basic socket has no events (nor a SOCK_DGRAM socket made as a listening one).
    };

    /// <summary>The events WSK_SET_STATIC_EVENT_CALLBACKS enabled on this socket: they cannot be disabled or re-enabled.</summary>
    internal uint StaticEvents { get; private set; }

    private const uint ConnectionEvents = WskConstants.WSK_EVENT_RECEIVE | WskConstants.WSK_EVENT_DISCONNECT | WskConstants.WSK_EVENT_SEND_BACKLOG;

    /// <summary>WSK_EVENT_* flags as the engine's events.</summary>
    internal static SocketEvents ToSocketEvents(uint mask)
        => ((mask & WskConstants.WSK_EVENT_RECEIVE) != 0 ? SocketEvents.Receive : 0)
        | ((mask & WskConstants.WSK_EVENT_DISCONNECT) != 0 ? SocketEvents.Disconnect : 0)
        | ((mask & WskConstants.WSK_EVENT_SEND_BACKLOG) != 0 ? SocketEvents.SendBacklog : 0)
        | ((mask & WskConstants.WSK_EVENT_ACCEPT) != 0 ? SocketEvents.Accept : 0);

    /// <summary>Turns on the client's static event callbacks (WSK_SET_STATIC_EVENT_CALLBACKS) that this socket's category
    /// has and its client dispatch has a callback for: a listener made for WskAccept IRPs, with no WskAcceptEvent, keeps
    /// its connections for them rather than refusing each one.</summary>
    internal void EnableStaticEvents()
    {
        uint mask = Client.StaticEvents & AllowedEvents;
        if (mask == 0)
        {
            return;
        }

        if (Datagram is { } datagram)
        {
            // WSK_EVENT_RECEIVE_FROM, its only event: on from creation, so the first datagram after WskBind is indicated.
            if (ReceiveFromEvent is not null && datagram.EnableReceiveEvents() == NtStatus.Success)
            {
                StaticEvents = WskConstants.WSK_EVENT_RECEIVE_FROM;
            }

            return;
        }

        uint enabled = 0;
        foreach (uint flag in (ReadOnlySpan<uint>)[WskConstants.WSK_EVENT_ACCEPT, WskConstants.WSK_EVENT_RECEIVE, WskConstants.WSK_EVENT_DISCONNECT, WskConstants.WSK_EVENT_SEND_BACKLOG])
        {
            if ((mask & flag) != 0 && HasCallbacksFor(ToSocketEvents(flag)))
            {
                enabled |= flag;
            }
        }

        if (enabled != 0 && Engine.SetEvents(ToSocketEvents(enabled), disable: false) == NtStatus.Success)
        {
            StaticEvents = enabled;
        }
    }

    private PfnWskInspectEvent? InspectEvent => ClientDispatch switch
    {
        WskClientListenDispatch l => l.WskInspectEvent,
        WskClientStreamDispatch s => s.WskInspectEvent,
        _ => null,
    };

    private PfnWskAbortEvent? AbortEvent => ClientDispatch switch
    {
        WskClientListenDispatch l => l.WskAbortEvent,
        WskClientStreamDispatch s => s.WskAbortEvent,
        _ => null,
    };

    /// <summary>Conditional accept needs both of its callbacks in the client dispatch.</summary>
    internal bool HasInspectCallbacks => InspectEvent is not null && AbortEvent is not null;

    InspectVerdict ISocketEventSink.OnInspect(in SockAddr local, in SockAddr remote, long key, uint serial)
    {
        WskInspectAction action;
        try
        {
            action = InspectEvent?.Invoke(Context, local, remote, new WskInspectId((nuint)key, serial)) ?? WskInspectAction.WskInspectReject;
        }
        catch (Exception ex)
        {
            if (Client.EngineSettings.Logger is { } logger)
            {
                WskLog.InspectEventThrew(logger, ex);
            }
            action = WskInspectAction.WskInspectReject;
        }

        return action switch
        {
            WskInspectAction.WskInspectAccept => InspectVerdict.Accept,
            WskInspectAction.WskInspectPend => InspectVerdict.Pend,
            _ => InspectVerdict.Reject, // WskInspectReject, or a value outside WSK_INSPECT_ACTION.
        };
    }

    void ISocketEventSink.OnInspectAborted(long key, uint serial) => Guard("WskAbortEvent",
        () => AbortEvent?.Invoke(Context, new WskInspectId((nuint)key, serial)));

    /// <summary>True if the client dispatch has a callback for every event in <paramref name="events"/>.</summary>
    internal bool HasCallbacksFor(SocketEvents events)
        => ((events & SocketEvents.Receive) == 0 || ReceiveEvent is not null)
        && ((events & SocketEvents.Disconnect) == 0 || DisconnectEvent is not null)
        && ((events & SocketEvents.SendBacklog) == 0 || SendBacklogEvent is not null)
        && ((events & SocketEvents.Accept) == 0 || AcceptEvent is not null);

    NtStatus ISocketEventSink.OnReceive(byte[] buffer, int count, out int accepted)
    {
        var indication = new WskDataIndication { Buffer = new WskBuf(new Mdl(buffer, 0, count)), ProviderHold = buffer };
        nuint taken = (nuint)count; // The client sets BytesAccepted only when it takes part of the data.
        NtStatus status;
        try
        {
            status = ReceiveEvent?.Invoke(Context, 0, indication, (nuint)count, ref taken) ?? NtStatus.DataNotAccepted;
        }
        catch (Exception ex)
        {
            if (Client.EngineSettings.Logger is { } logger)
            {
                WskLog.ReceiveEventThrew(logger, ex);
            }
            status = NtStatus.DataNotAccepted;
        }

        accepted = (int)Math.Min(taken, (nuint)count);
        return status == NtStatus.Success || status == NtStatus.Pending ? status : NtStatus.DataNotAccepted;
    }

    void ISocketEventSink.OnDisconnect(bool abortive) => Guard("WskDisconnectEvent",
        () => DisconnectEvent?.Invoke(Context, abortive ? WskConstants.WSK_FLAG_ABORTIVE : 0));

    void ISocketEventSink.OnFailed()
    {
        nuint none = 0;
        Guard("WskReceiveEvent", () => ReceiveEvent?.Invoke(Context, 0, null, 0, ref none));
    }

    void ISocketEventSink.OnSendBacklog(int idealBacklog) => Guard("WskSendBacklogEvent",
        () => SendBacklogEvent?.Invoke(Context, (nuint)idealBacklog));

    void ISocketEventSink.OnAccept(SocketEngine accepted, in SockAddr local, in SockAddr remote)
    {
        if (Client.CreateAcceptedSocket(accepted, null, null) is not WskSocket socket)
        {
            accepted.Close(); // The client is deregistering: the connection is refused.
            return;
        }

        NtStatus status;
        object? context = null, dispatch = null;
        try
        {
            status = AcceptEvent?.Invoke(Context, 0, local, remote, socket, out context, out dispatch) ?? NtStatus.RequestNotAccepted;
        }
        catch (Exception ex)
        {
            if (Client.EngineSettings.Logger is { } logger)
            {
                WskLog.AcceptEventThrew(logger, ex);
            }
            status = NtStatus.RequestNotAccepted;
        }

        if (status == NtStatus.Success)
        {
            socket.Context = context;
            socket.ClientDispatch = dispatch;
            socket.EnableStaticEvents(); // Only now: its events need the context and dispatch the client just gave.
        }
        else
        {
            WskProvider.Discard(socket);
        }
    }

    private void Guard(string callback, Func<NtStatus?> call)
    {
        try
        {
            call();
        }
        catch (Exception ex)
        {
            if (Client.EngineSettings.Logger is { } logger)
            {
                WskLog.EventCallbackThrew(logger, callback, ex);
            }
        }
    }
}
