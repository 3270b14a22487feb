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

        nint accept = table->WskAcceptEvent;
        return new WskClientListenDispatch(accept == 0 ? null : MakeAccept(accept));
    }

    private static WskClientStreamDispatch Stream(CClientStreamDispatch* table)
    {
        WskClientListenDispatch? listen = Listen(table->Listen);
        WskClientConnectionDispatch? connection = Connection(table->Connect);
        return new WskClientStreamDispatch(listen?.WskAcceptEvent, null, null,
            connection?.WskReceiveEvent, connection?.WskDisconnectEvent, connection?.WskSendBacklogEvent);
    }

    private static nint ContextOf(object? context) => (context as NativeSocket)?.ClientContext ?? 0;

    /// <summary>
    /// WskReceiveEvent: the indicated data as a C WSK_DATA_INDICATION list over the provider's buffers, pinned for the call.
    /// If the client keeps the list (STATUS_PENDING) the pins and the C list live until WskRelease.
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

        DataIndications.Kept list = DataIndications.Build(indication);
        irql = CShim.EnterDispatch();
        var status = new NtStatus((uint)call(ContextOf(context), flags, list.C, indicated, &taken));
        CShim.LeaveDispatch(irql);
        accepted = taken;
        if (status == NtStatus.Pending)
        {
            DataIndications.Keep(list);
        }
        else
        {
            DataIndications.Free(list);
        }

        return status;
    }

    private static PfnWskAcceptEvent MakeAccept(nint function) =>
        (object? context, uint flags, in SockAddr local, in SockAddr remote, WskSocket? socket, out object? acceptContext,
            out object? acceptDispatch) =>
        {
            acceptContext = acceptDispatch = null;
            var call = (delegate* unmanaged<nint, uint, byte*, byte*, CWskSocket*, nint*, CClientConnectionDispatch**, int>)function;
            byte* localC = stackalloc byte[Ws2.Ws2Def.SOCKADDR_STORAGE_SIZE];
            byte* remoteC = stackalloc byte[Ws2.Ws2Def.SOCKADDR_STORAGE_SIZE];
            new Span<byte>(localC, Ws2.Ws2Def.SOCKADDR_STORAGE_SIZE).Clear();
            new Span<byte>(remoteC, Ws2.Ws2Def.SOCKADDR_STORAGE_SIZE).Clear();
            NativeAddress.Write(localC, local);
            NativeAddress.Write(remoteC, remote);
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
