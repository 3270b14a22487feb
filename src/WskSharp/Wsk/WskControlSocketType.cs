namespace WskSharp.Wsk;

#pragma warning disable CA1707 // wsk.h names.

/// <summary><c>WSK_CONTROL_SOCKET_TYPE</c>.</summary>
public enum WskControlSocketType
{
    /// <summary>Set a socket option.</summary>
    WskSetOption = 0,

    /// <summary>Get a socket option.</summary>
    WskGetOption = 1,

    /// <summary>An I/O control operation.</summary>
    WskIoctl = 2,
}
