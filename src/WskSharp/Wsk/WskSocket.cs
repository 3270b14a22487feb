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

    NtStatus IDatagramEventSink.OnReceiveFrom(HeldDatagram datagram)
    {
        if (datagram.Indication is not WskDatagramIndication indication)
        {
            indication = new WskDatagramIndication { ProviderHold = datagram }; // Once per pooled datagram, reused after.
            datagram.Indication = indication;
        }

        datagram.Mdl.Memory = datagram.Buffer.AsMemory(0, datagram.Length);
        indication.Next = null;
        indication.Buffer = new WskBuf(datagram.Mdl, 0, (nuint)datagram.Length);
        indication.RemoteAddress = datagram.Remote;
        indication.ControlInfo = datagram.Control.AsMemory(0, datagram.ControlLength);
        indication.ControlInfoLength = (uint)datagram.ControlLength;
        indication.ProviderHold = datagram;
        try
        {
            NtStatus status = ReceiveFromEvent?.Invoke(Context, 0, indication) ?? NtStatus.DataNotAccepted;
            return status == NtStatus.Success || status == NtStatus.Pending ? status : NtStatus.DataNotAccepted;
        }
        catch (Exception ex)
        {
            if (Client.EngineSettings.Logger is { } logger)
            {
                WskLog.ReceiveFromEventThrew(logger, ex);
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
