namespace WskSharp.Transport;

/// <summary>Readiness reported by a host stack's event loop, on the loop's thread.</summary>
internal interface IHostSocketEvents
{
    /// <summary>The socket changed state: <paramref name="readable"/> covers data, FIN and errors for readers,
    /// <paramref name="writable"/> covers send space, a finished connect and errors for writers, <paramref name="hangup"/>
    /// says the peer closed its side or the connection failed.</summary>
    void OnReady(bool readable, bool writable, bool hangup);
}
