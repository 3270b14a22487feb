namespace WskSharp.Wsk;

#pragma warning disable CA1707 // The names are those of wsk.h, so a WSK reader recognises them.
#pragma warning disable CS1591 // Each constant is the wsk.h constant of the same name.

/// <summary>Flags, versions and event masks of <c>wsk.h</c>.</summary>
public static class WskConstants
{
    /// <summary><c>MAKE_WSK_VERSION(1,0)</c>.</summary>
    public const ushort WSK_V1_0 = 0x0100;

    /// <summary><c>MAKE_WSK_VERSION(Mj, Mn)</c>.</summary>
    public static ushort MAKE_WSK_VERSION(byte major, byte minor) => (ushort)((major << 8) | minor);

    public const uint WSK_NO_WAIT = 0;
    public const uint WSK_INFINITE_WAIT = 0xFFFFFFFF;

    public const uint WSK_FLAG_BASIC_SOCKET = 0x0;
    public const uint WSK_FLAG_LISTEN_SOCKET = 0x1;
    public const uint WSK_FLAG_CONNECTION_SOCKET = 0x2;
    public const uint WSK_FLAG_DATAGRAM_SOCKET = 0x4;
    public const uint WSK_FLAG_STREAM_SOCKET = 0x8;

    public const uint WSK_FLAG_ABORTIVE = 0x1;
    public const uint WSK_FLAG_NODELAY = 0x2;
    public const uint WSK_FLAG_WAITALL = 0x2;
    public const uint WSK_FLAG_DRAIN = 0x4;

    public const uint WSK_EVENT_SEND_BACKLOG = 0x10;
    public const uint WSK_EVENT_RECEIVE = 0x40;
    public const uint WSK_EVENT_DISCONNECT = 0x80;
    public const uint WSK_EVENT_RECEIVE_FROM = 0x100;
    public const uint WSK_EVENT_ACCEPT = 0x200;
    public const uint WSK_EVENT_DISABLE = 0x80000000;

    /// <summary>WskControlClient code: event callbacks enabled on every socket the client creates afterwards
    /// (input: <see cref="WskEventCallbackControl"/>; no output, no IRP; only before the client's first socket).</summary>
    public const uint WSK_SET_STATIC_EVENT_CALLBACKS = 7;

    // Socket I/O controls of wsk.h: _WSAIOW(IOC_WSK, n), IOC_WSK = IOC_WS2 | 0x07000000 = 0x0F000000, IOC_IN = 0x80000000.
    public const uint SIO_WSK_SET_REMOTE_ADDRESS = 0x8F000001;
    public const uint SIO_WSK_SET_SENDTO_ADDRESS = 0x8F000006;

    /// <summary>_WSAIOR(IOC_WSK, 5), IOC_OUT = 0x40000000: the WSK_INSPECT_ID of a connection accepted on a conditional listener.</summary>
    public const uint SIO_WSK_QUERY_INSPECT_ID = 0x4F000005;
}
