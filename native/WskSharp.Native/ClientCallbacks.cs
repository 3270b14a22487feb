using System.Runtime.InteropServices;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Native;

/// <summary>
/// The client's C event tables as the WSK layer's client dispatch: each managed callback calls the C function with the
/// client's own socket context. Made once per socket (when the socket is made or accepted), never per event.
/// </summary>
internal static unsafe class ClientCallbacks
{
    /// <summary>The managed client dispatch for a C table of a socket of <paramref name="category"/>; null for none.</summary>
    public static object? For(uint category, nint table) => table == 0 ? null : category switch
    {
        WskConstants.WSK_FLAG_LISTEN_SOCKET => Listen((CClientListenDispatch*)table),
        WskConstants.WSK_FLAG_STREAM_SOCKET => Stream((CClientStreamDispatch*)table),
        WskConstants.WSK_FLAG_DATAGRAM_SOCKET => Datagram((CClientDatagramDispatch*)table),
        _ => Connection((CClientConnectionDispatch*)table),
    };

    public static WskClientConnectionDispatch? Connection(CClientConnectionDispatch* table)
    {
        if (table is null)
        {
            return null;
        }

        nint receive = table->WskReceiveEvent, disconnect = table->WskDisconnectEvent, backlog = table->WskSendBacklogEvent;
        return new WskClientConnectionDispatch(
            receive == 0 ? null : (object? context, uint flags, WskDataIndication? indication, nuint indicated, ref nuint accepted)
                => Receive(receive, context, flags, indication, indicated, ref accepted),
            disconnect == 0 ? null : (context, flags) =>
            {
                byte irql = CShim.EnterDispatch();
                int status = ((delegate* unmanaged<nint, uint, int>)disconnect)(ContextOf(context), flags);
                CShim.LeaveDispatch(irql);
                return new NtStatus((uint)status);
            },
            backlog == 0 ? null : (context, ideal) =>
            {
                byte irql = CShim.EnterDispatch();
                int status = ((delegate* unmanaged<nint, nuint, int>)backlog)(ContextOf(context), ideal);
                CShim.LeaveDispatch(irql);
                return new NtStatus((uint)status);
            });
    }

    private static WskClientListenDispatch? Listen(CClientListenDispatch* table)
    {
        if (table is null)
        {
            return null;
        }

        nint accept = table->WskAcceptEvent, inspect = table->WskInspectEvent, abort = table->WskAbortEvent;
        return new WskClientListenDispatch(accept == 0 ? null : MakeAccept(accept), inspect == 0 ? null : MakeInspect(inspect),
            abort == 0 ? null : MakeAbort(abort));
    }

    private static WskClientDatagramDispatch Datagram(CClientDatagramDispatch* table)
    {
        nint receiveFrom = table->WskReceiveFromEvent;
        return new WskClientDatagramDispatch(receiveFrom == 0 ? null : (context, flags, indication) => ReceiveFrom(receiveFrom, context, flags, indication));
    }

    /// <summary>WskReceiveFromEvent: the datagrams as a C WSK_DATAGRAM_INDICATION list (see <see cref="DatagramIndications"/>),
    /// freed when the callback returns unless it kept the list (STATUS_PENDING) for WskRelease.</summary>
    private static NtStatus ReceiveFrom(nint function, object? context, uint flags, WskDatagramIndication? indication)
    {
        var call = (delegate* unmanaged<nint, uint, CDatagramIndication*, int>)function;
        CDatagramIndication* list = indication is null ? null : DatagramIndications.Build(indication);
        if (list is not null)
        {
            DatagramIndications.Indicate(list, indication!);
        }

        byte irql = CShim.EnterDispatch();
        var status = new NtStatus((uint)call(ContextOf(context), flags, list)); // null: the socket is no longer functional
        CShim.LeaveDispatch(irql);
        if (list is not null)
        {
            DatagramIndications.Returned(list, status);
        }

        return status;
    }

    /// <summary>WskInspectEvent: the addresses and the id in C memory for the call (the client copies the id to keep it).</summary>
    private static PfnWskInspectEvent MakeInspect(nint function) =>
        (object? context, in SockAddr local, in SockAddr remote, WskInspectId? inspectId) =>
        {
            var call = (delegate* unmanaged<nint, byte*, byte*, CInspectId*, int>)function;
            byte* localC = stackalloc byte[Ws2Def.SOCKADDR_STORAGE_SIZE];
            byte* remoteC = stackalloc byte[Ws2Def.SOCKADDR_STORAGE_SIZE];
            NativeAddress.WriteStorage(localC, local);
            NativeAddress.WriteStorage(remoteC, remote);
            CInspectId id = default;
            if (inspectId is { } given)
            {
                id.Key = given.Key;
                id.SerialNumber = given.SerialNumber;
            }

            byte irql = CShim.EnterDispatch();
            int action = call(ContextOf(context), localC, remoteC, inspectId is null ? null : &id);
            CShim.LeaveDispatch(irql);
            return (WskInspectAction)action; // A value outside WSK_INSPECT_ACTION is the WSK layer's to judge (a reject).
        };

    /// <summary>WskAbortEvent: the dropped request's id in C memory for the call.</summary>
    private static PfnWskAbortEvent MakeAbort(nint function) =>
        (object? context, in WskInspectId inspectId) =>
        {
            var call = (delegate* unmanaged<nint, CInspectId*, int>)function;
            CInspectId id = new() { Key = inspectId.Key, SerialNumber = inspectId.SerialNumber };
            byte irql = CShim.EnterDispatch();
            int status = call(ContextOf(context), &id);
            CShim.LeaveDispatch(irql);
            return new NtStatus((uint)status);
        };

    private static WskClientStreamDispatch Stream(CClientStreamDispatch* table)
    {
        WskClientListenDispatch? listen = Listen(table->Listen);
        WskClientConnectionDispatch? connection = Connection(table->Connect);
        return new WskClientStreamDispatch(listen?.WskAcceptEvent, listen?.WskInspectEvent, listen?.WskAbortEvent,
            connection?.WskReceiveEvent, connection?.WskDisconnectEvent, connection?.WskSendBacklogEvent);
    }

    private static nint ContextOf(object? context) => (context as NativeSocket)?.ClientContext ?? 0;

    /// <summary>
    /// WskReceiveEvent: the indicated data as a C WSK_DATA_INDICATION list over the provider's buffers, pinned for the call.
    /// If the client keeps the list (STATUS_PENDING) the pins and the C list live until WskRelease, which may come from
    /// another thread before the callback has returned.
    /// </summary>
    private static NtStatus Receive(nint function, object? context, uint flags, WskDataIndication? indication, nuint indicated,
        ref nuint accepted)
    {
        var call = (delegate* unmanaged<nint, uint, CDataIndication*, nuint, nuint*, int>)function;
        nuint taken = accepted;
        byte irql;
        if (indication is null)
        {
            irql = CShim.EnterDispatch();
            NtStatus failed = new((uint)call(ContextOf(context), flags, null, 0, &taken)); // The socket is no longer functional.
            CShim.LeaveDispatch(irql);
            accepted = taken;
            return failed;
        }

        // The list is the client's from the indication on: a worker the callback hands it to may WskRelease it before the
        // callback returns STATUS_PENDING, so it is findable before the call.
        DataIndications.Kept list = DataIndications.Build(indication);
        DataIndications.Keep(list);
        irql = CShim.EnterDispatch();
        var status = new NtStatus((uint)call(ContextOf(context), flags, list.C, indicated, &taken));
        CShim.LeaveDispatch(irql);
        accepted = taken;
        if (status != NtStatus.Pending && DataIndications.Forget(list))
        {
            DataIndications.Free(list); // Not kept (if a release came meanwhile, it freed the list already).
        }

        return status; // Kept: until WskRelease (or given back already while the callback ran).
    }

    private static PfnWskAcceptEvent MakeAccept(nint function) =>
        (object? context, uint flags, in SockAddr local, in SockAddr remote, WskSocket? socket, out object? acceptContext,
            out object? acceptDispatch) =>
        {
            acceptContext = acceptDispatch = null;
            var call = (delegate* unmanaged<nint, uint, byte*, byte*, CWskSocket*, nint*, CClientConnectionDispatch**, int>)function;
            byte* localC = stackalloc byte[Ws2Def.SOCKADDR_STORAGE_SIZE];
            byte* remoteC = stackalloc byte[Ws2Def.SOCKADDR_STORAGE_SIZE];
            NativeAddress.WriteStorage(localC, local);
            NativeAddress.WriteStorage(remoteC, remote);
            CWskSocket* accepted = socket is null ? null : NativeSocket.Expose(socket);
            nint clientContext = 0;
            CClientConnectionDispatch* clientDispatch = null;
            byte irql = CShim.EnterDispatch();
            var status = new NtStatus((uint)call(ContextOf(context), flags, localC, remoteC, accepted, &clientContext, &clientDispatch));
            CShim.LeaveDispatch(irql);
            if (status == NtStatus.Success && socket is not null)
            {
                var native = (NativeSocket)socket.Context!;
                native.ClientContext = clientContext;
                acceptContext = native;
                acceptDispatch = Connection(clientDispatch);
            }
            else
            {
                NativeSocket.BeginClose(accepted); // The WSK layer closes the refused connection.
                NativeSocket.Retire(accepted);
            }

            return status;
        };
}
