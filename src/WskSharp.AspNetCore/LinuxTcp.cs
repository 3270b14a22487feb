using System.Net.Sockets;

namespace WskSharp.AspNetCore;

/// <summary>The Linux TCP socket options this package sets and reads on Kestrel's own sockets (values of <c>linux/tcp.h</c>).</summary>
internal static class LinuxTcp
{
    /// <summary><c>IPPROTO_TCP</c>.</summary>
    public const int Level = 6;

    /// <summary><c>TCP_FASTOPEN</c>: on a listening socket, the length of the queue of connections whose SYN data was accepted.</summary>
    public const int TcpFastOpen = 23;

    /// <summary><c>TCP_INFO</c>: <c>struct tcp_info</c>.</summary>
    public const int TcpInfo = 11;

    /// <summary>Offset of <c>tcpi_options</c> in <c>struct tcp_info</c>.</summary>
    public const int OptionsOffset = 5;

    /// <summary><c>TCPI_OPT_SYN_DATA</c>: the connection's SYN carried data that was accepted (on a server: Fast Open let the
    /// request in with the SYN).</summary>
    public const byte OptSynData = 0x20;

    /// <summary>True for a TCP socket of the Linux kernel, where these options mean what this class says.</summary>
    public static bool Applies(Socket socket) => OperatingSystem.IsLinux() && socket.ProtocolType == ProtocolType.Tcp;

    /// <summary>Whether the kernel accepted data in this connection's SYN (<c>TCP_INFO</c>: <c>TCPI_OPT_SYN_DATA</c>); null
    /// where that cannot be read.</summary>
    public static bool? SynData(Socket socket)
    {
        if (!Applies(socket))
        {
            return null;
        }

        Span<byte> info = stackalloc byte[256];
        try
        {
            int length = socket.GetRawSocketOption(Level, TcpInfo, info);
            return length > OptionsOffset ? (info[OptionsOffset] & OptSynData) != 0 : null;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return null; // The connection is gone: nothing to say.
        }
    }
}
