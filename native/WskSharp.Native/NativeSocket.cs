using System.Runtime.InteropServices;
using WskSharp.Wsk;

namespace WskSharp.Native;

/// <summary>
/// A C <c>WSK_SOCKET</c> and the managed <see cref="WskSocket"/> it stands for. The C structure (the dispatch table of the
/// socket's category, then this object's handle) is allocated when the WSK layer hands the socket out, and is the
/// <c>SocketContext</c> the WSK layer passes to event callbacks, so the C callbacks get the client's own context.
/// </summary>
internal sealed unsafe class NativeSocket
{
    // After WskCloseSocket the pointer is dead, but a client's stray call on it must be refused, not crash: the most
    // recently closed sockets stay readable (as closed) until this many more have closed.
    private const int ClosedKept = 1024;
    private static readonly Queue<NativeSocket> Closed = new();

    private static int s_open;
    private GCHandle _handle;
    private int _closing;
    private bool _retired; // in Closed (under its lock): a flag, since Queue.Contains scans all 1024 on every close

    /// <summary>Sockets handed to C and not closed yet (the verifier reports them at unload).</summary>
    public static int Open => Volatile.Read(ref s_open);

    /// <summary>A socket-to-be, with the client's context and (as the WSK layer takes it) client dispatch.</summary>
    public NativeSocket(nint clientContext) => ClientContext = clientContext;

    /// <summary>The client's <c>SocketContext</c>, passed to its event callbacks.</summary>
    public nint ClientContext { get; set; }

    /// <summary>The managed socket, once the WSK layer has made it.</summary>
    public WskSocket? Socket { get; private set; }

    /// <summary>The C <c>WSK_SOCKET</c>, once exposed.</summary>
    public CWskSocket* C { get; private set; }

    /// <summary>The managed socket behind a C <c>PWSK_SOCKET</c>; null for a null pointer (which the WSK layer refuses).</summary>
    public static WskSocket? Of(CWskSocket* socket)
        => socket is null || socket->Managed == 0 ? null : ((NativeSocket)GCHandle.FromIntPtr(socket->Managed).Target!).Socket;

    /// <summary>The C <c>WSK_SOCKET</c> for a socket the WSK layer made: allocated the first time.</summary>
    public static CWskSocket* Expose(WskSocket socket)
    {
        var self = socket.Context as NativeSocket;
        if (self is null)
        {
            self = new NativeSocket(0); // Accepted without a context of the client's (WskAccept with a null context).
            socket.Context = self;
        }

        if (self.C is null)
        {
            self.Socket = socket;
            self.C = (CWskSocket*)NativeMemory.AllocZeroed((nuint)sizeof(CWskSocket));
            self.C->Dispatch = DispatchTables.For(socket);
            self._handle = GCHandle.Alloc(self);
            self.C->Managed = GCHandle.ToIntPtr(self._handle);
            Interlocked.Increment(ref s_open);
        }

        return self.C;
    }

    /// <summary>
    /// WskCloseSocket is called: the socket stops counting as open before the WSK layer can complete the close, since a
    /// driver may report (unload) as soon as its close routine has run, before the call returns. FALSE if it was closing.
    /// </summary>
    public static bool BeginClose(CWskSocket* socket)
    {
        if (socket is null || socket->Managed == 0)
        {
            return false;
        }

        var self = (NativeSocket)GCHandle.FromIntPtr(socket->Managed).Target!;
        if (Interlocked.Exchange(ref self._closing, 1) != 0)
        {
            return false;
        }

        Interlocked.Decrement(ref s_open);
        return true;
    }

    /// <summary>The WSK layer refused the close that <see cref="BeginClose"/> counted: the socket is open again.</summary>
    public static void AbortClose(CWskSocket* socket)
    {
        var self = (NativeSocket)GCHandle.FromIntPtr(socket->Managed).Target!;
        Interlocked.Increment(ref s_open);
        Volatile.Write(ref self._closing, 0);
    }

    /// <summary>WskCloseSocket completed: the C structure is kept a while (see <see cref="ClosedKept"/>), then freed.</summary>
    public static void Retire(CWskSocket* socket)
    {
        if (socket is null || socket->Managed == 0)
        {
            return;
        }

        var self = (NativeSocket)GCHandle.FromIntPtr(socket->Managed).Target!;
        NativeSocket? oldest = null;
        lock (Closed)
        {
            if (self._retired)
            {
                return;
            }

            self._retired = true;
            Closed.Enqueue(self);
            if (Closed.Count > ClosedKept)
            {
                oldest = Closed.Dequeue();
            }
        }

        if (oldest is not null)
        {
            oldest.C->Managed = 0;
            oldest.C->Dispatch = 0;
            NativeMemory.Free(oldest.C);
            oldest.C = null;
            oldest._handle.Free();
        }
    }
}
