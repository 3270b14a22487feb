using System.Runtime.InteropServices;
using WskSharp.Wsk;

namespace WskSharp.Native;

/// <summary>
/// The C provider dispatch tables, in the WDK member order (native/include/wsksharp/wsk.h): built once in native memory,
/// their members the <see cref="ProviderFunctions"/> and <see cref="SocketFunctions"/>. A socket's <c>Dispatch</c> is the
/// table of its category.
/// </summary>
internal static unsafe class DispatchTables
{
    /// <summary><c>WSK_PROVIDER_DISPATCH</c>.</summary>
    public static readonly nint Provider = Build(
        WskConstants.WSK_V1_0, // Version, Reserved (the first 8 bytes)
        (nint)(delegate* unmanaged<nint, ushort, ushort, uint, uint, nint, nint, nint, nint, nint, CIrp*, int>)&ProviderFunctions.Socket,
        (nint)(delegate* unmanaged<nint, ushort, uint, byte*, byte*, uint, nint, CClientConnectionDispatch*, nint, nint, nint, CIrp*, int>)&ProviderFunctions.SocketConnect,
        (nint)(delegate* unmanaged<nint, uint, nuint, byte*, nuint, byte*, nuint*, CIrp*, int>)&ProviderFunctions.ControlClient,
        (nint)(delegate* unmanaged<nint, ushort*, ushort*, uint, Guid*, byte*, nint*, nint, nint, CIrp*, int>)&ProviderFunctions.GetAddressInfo,
        (nint)(delegate* unmanaged<nint, byte*, void>)&ProviderFunctions.FreeAddressInfo,
        (nint)(delegate* unmanaged<nint, byte*, uint, CUnicodeString*, CUnicodeString*, uint, nint, nint, CIrp*, int>)&ProviderFunctions.GetNameInfo);

    private static readonly nint ControlSocket = (nint)(delegate* unmanaged<CWskSocket*, int, uint, uint, nuint, byte*, nuint, byte*, nuint*, CIrp*, int>)&SocketFunctions.ControlSocket;
    private static readonly nint CloseSocket = (nint)(delegate* unmanaged<CWskSocket*, CIrp*, int>)&SocketFunctions.CloseSocket;
    private static readonly nint Bind = (nint)(delegate* unmanaged<CWskSocket*, byte*, uint, CIrp*, int>)&SocketFunctions.Bind;
    private static readonly nint Connect = (nint)(delegate* unmanaged<CWskSocket*, byte*, uint, CIrp*, int>)&SocketFunctions.Connect;
    private static readonly nint ConnectEx = (nint)(delegate* unmanaged<CWskSocket*, byte*, CWskBuf*, uint, CIrp*, int>)&SocketFunctions.ConnectEx;
    private static readonly nint GetLocalAddress = (nint)(delegate* unmanaged<CWskSocket*, byte*, CIrp*, int>)&SocketFunctions.GetLocalAddress;
    private static readonly nint GetRemoteAddress = (nint)(delegate* unmanaged<CWskSocket*, byte*, CIrp*, int>)&SocketFunctions.GetRemoteAddress;
    private static readonly nint Send = (nint)(delegate* unmanaged<CWskSocket*, CWskBuf*, uint, CIrp*, int>)&SocketFunctions.Send;
    private static readonly nint Receive = (nint)(delegate* unmanaged<CWskSocket*, CWskBuf*, uint, CIrp*, int>)&SocketFunctions.Receive;
    private static readonly nint Disconnect = (nint)(delegate* unmanaged<CWskSocket*, CWskBuf*, uint, CIrp*, int>)&SocketFunctions.Disconnect;
    private static readonly nint Release = (nint)(delegate* unmanaged<CWskSocket*, CDataIndication*, int>)&SocketFunctions.Release;
    private static readonly nint SendEx = (nint)(delegate* unmanaged<CWskSocket*, CWskBuf*, uint, uint, byte*, CIrp*, int>)&SocketFunctions.SendEx;
    private static readonly nint ReceiveEx = (nint)(delegate* unmanaged<CWskSocket*, CWskBuf*, uint, uint*, byte*, uint*, CIrp*, int>)&SocketFunctions.ReceiveEx;
    private static readonly nint Listen = (nint)(delegate* unmanaged<CWskSocket*, CIrp*, int>)&SocketFunctions.Listen;
    private static readonly nint Accept = (nint)(delegate* unmanaged<CWskSocket*, uint, nint, CClientConnectionDispatch*, byte*, byte*, CIrp*, int>)&SocketFunctions.Accept;
    private static readonly nint InspectComplete = (nint)(delegate* unmanaged<CWskSocket*, nint, int, CIrp*, int>)&SocketFunctions.InspectComplete;

    /// <summary><c>WSK_PROVIDER_CONNECTION_DISPATCH</c>.</summary>
    public static readonly nint Connection = Build(ControlSocket, CloseSocket, Bind, Connect, GetLocalAddress, GetRemoteAddress,
        Send, Receive, Disconnect, Release, ConnectEx, SendEx, ReceiveEx);

    /// <summary><c>WSK_PROVIDER_LISTEN_DISPATCH</c>.</summary>
    public static readonly nint ListenTable = Build(ControlSocket, CloseSocket, Bind, Accept, InspectComplete, GetLocalAddress);

    /// <summary><c>WSK_PROVIDER_BASIC_DISPATCH</c>: a basic socket has WskControlSocket and WskCloseSocket only.</summary>
    public static readonly nint BasicTable = Build(ControlSocket, CloseSocket);

    /// <summary><c>WSK_PROVIDER_STREAM_DISPATCH</c>.</summary>
    public static readonly nint Stream = Build(ControlSocket, CloseSocket, Bind, Accept, Connect, Listen, Send, Receive, Disconnect,
        Release, GetLocalAddress, GetRemoteAddress, ConnectEx, SendEx, ReceiveEx);

    /// <summary><c>WSK_PROVIDER_DATAGRAM_DISPATCH</c>.</summary>
    public static readonly nint DatagramTable = Build(ControlSocket, CloseSocket,
        (nint)(delegate* unmanaged<CWskSocket*, byte*, uint, CIrp*, int>)&DatagramFunctions.Bind,
        (nint)(delegate* unmanaged<CWskSocket*, CWskBuf*, uint, byte*, uint, byte*, CIrp*, int>)&DatagramFunctions.SendTo,
        (nint)(delegate* unmanaged<CWskSocket*, CWskBuf*, uint, byte*, uint*, byte*, uint*, CIrp*, int>)&DatagramFunctions.ReceiveFrom,
        (nint)(delegate* unmanaged<CWskSocket*, CDatagramIndication*, int>)&DatagramFunctions.Release,
        (nint)(delegate* unmanaged<CWskSocket*, byte*, CIrp*, int>)&DatagramFunctions.GetLocalAddress,
        (nint)(delegate* unmanaged<CWskSocket*, CWskBufList*, uint, byte*, uint, byte*, CIrp*, int>)&DatagramFunctions.SendMessages);

    /// <summary>The table for <paramref name="socket"/>: the WSK layer's dispatch says which (a SOCK_DGRAM socket made as a
    /// listening socket has the listen table, as on Windows).</summary>
    public static nint For(WskSocket socket) => socket.Dispatch is WskProviderDatagramDispatch ? DatagramTable : For(socket.Category);

    /// <summary>The table for a stream socket of <paramref name="category"/> (WSK_FLAG_*_SOCKET).</summary>
    private static nint For(uint category) => category switch
    {
        WskConstants.WSK_FLAG_LISTEN_SOCKET => ListenTable,
        WskConstants.WSK_FLAG_STREAM_SOCKET => Stream,
        WskConstants.WSK_FLAG_BASIC_SOCKET => BasicTable,
        _ => Connection,
    };

    // Tables live for the process: allocated once, never freed.
    private static nint Build(params ReadOnlySpan<nint> members)
    {
        var table = (nint*)NativeMemory.AllocZeroed((nuint)(members.Length * sizeof(nint)));
        members.CopyTo(new Span<nint>(table, members.Length));
        return (nint)table;
    }
}
