namespace WskSharp.Internal;

/// <summary>Where a socket is in its life. The WSK layer's rules read it; the engine moves it.</summary>
internal enum SocketState
{
    /// <summary>Created, not bound.</summary>
    Open,

    /// <summary>Bound to a local address (WskBind).</summary>
    Bound,

    /// <summary>Listening for connections (WskListen, or WskBind on a listening socket).</summary>
    Listening,

    /// <summary>A WskConnect/WskConnectEx is in progress.</summary>
    Connecting,

    /// <summary>Connected: committed to the connection flow.</summary>
    Connected,

    /// <summary>No longer functional: its host socket failed or was forcibly closed. Only WskCloseSocket works.</summary>
    Failed,

    /// <summary>Closed by WskCloseSocket.</summary>
    Closed,
}
