using WskSharp.Nt;
using WskSharp.Ws2;

namespace WskSharp.Internal;

/// <summary>
/// Where an engine delivers its socket's events: the WSK layer, which turns them into the client's callbacks. The
/// engine calls it outside its lock, on the event loop's thread (or a thread-pool thread), one call at a time per socket.
/// </summary>
internal interface ISocketEventSink
{
    /// <summary>Data arrived: <paramref name="count"/> bytes of <paramref name="buffer"/>. Returns the client's status:
    /// Success with <paramref name="accepted"/> bytes taken (the rest is held for WskReceive), DataNotAccepted (all
    /// held), or Pending (the client keeps the buffer until it releases it through <see cref="SocketEngine.ReleaseBuffer"/>).</summary>
    NtStatus OnReceive(byte[] buffer, int count, out int accepted);

    /// <summary>The peer disconnected (a reset when <paramref name="abortive"/>).</summary>
    void OnDisconnect(bool abortive);

    /// <summary>The socket is no longer functional, and the client has no disconnect event: tell it through the receive event.</summary>
    void OnFailed();

    /// <summary>The ideal send backlog.</summary>
    void OnSendBacklog(int idealBacklog);

    /// <summary>A listening socket accepted <paramref name="accepted"/>; the sink offers it to the client and closes it
    /// if the client refuses it.</summary>
    void OnAccept(SocketEngine accepted, in SockAddr local, in SockAddr remote);

    /// <summary>Conditional accept: a connection from <paramref name="remote"/> asks to be accepted; the client decides.
    /// (<paramref name="key"/>, <paramref name="serial"/>) identify it until it is decided or dropped.</summary>
    InspectVerdict OnInspect(in SockAddr local, in SockAddr remote, long key, uint serial);

    /// <summary>Conditional accept: a connection accepted or pended by inspection was reset before an accept took it.</summary>
    void OnInspectAborted(long key, uint serial);
}
