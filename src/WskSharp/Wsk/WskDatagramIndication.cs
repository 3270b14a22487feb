using WskSharp.Ws2;

namespace WskSharp.Wsk;

/// <summary><c>WSK_DATAGRAM_INDICATION</c>: one datagram of a list handed to a WskReceiveFromEvent callback. The memory is the
/// provider's: valid during the callback, or until WskRelease if the callback returned STATUS_PENDING.</summary>
public sealed class WskDatagramIndication
{
    internal WskDatagramIndication()
    {
    }

    /// <summary>The next datagram, or null.</summary>
    public WskDatagramIndication? Next { get; set; }

    /// <summary>The datagram's bytes.</summary>
    public WskBuf Buffer { get; internal set; }

    /// <summary>Control data (<c>WSACMSGHDR</c> list: <c>IP_PKTINFO</c>/<c>IPV6_PKTINFO</c> when asked for), the first
    /// <see cref="ControlInfoLength"/> bytes.</summary>
    public ReadOnlyMemory<byte> ControlInfo { get; internal set; }

    /// <summary>Bytes of <see cref="ControlInfo"/>.</summary>
    public uint ControlInfoLength { get; internal set; }

    /// <summary>The sender.</summary>
    public SockAddr RemoteAddress { get; internal set; }

    /// <summary>The provider's datagram behind this indication, released by WskRelease.</summary>
    internal object? ProviderHold { get; set; }
}
