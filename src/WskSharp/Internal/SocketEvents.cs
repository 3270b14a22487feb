namespace WskSharp.Internal;

/// <summary>The event callbacks a socket has enabled (the engine's own flags; the WSK layer maps WSK_EVENT_* onto them).</summary>
[Flags]
internal enum SocketEvents
{
    None = 0,
    Receive = 0x1,
    Disconnect = 0x2,
    SendBacklog = 0x4,
    Accept = 0x8,
}
