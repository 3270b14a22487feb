using System.Net;
using WskSharp.FastOpen;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Bench;

/// <summary>
/// What one request/response connection of a WskSharp peer sends and expects (addresses, the request as a WSK_BUF, the
/// reply buffer), and how its outcome is read from the Fast Open report. Shared by the awaiting and the driver-style peer.
/// </summary>
internal sealed class WskExchange(IPAddress local, IPEndPoint remote, byte[] request, int replyBytes, bool fastOpen)
{
    public SockAddr Local { get; } = SockAddr.FromEndPoint(new IPEndPoint(local, 0));

    public SockAddr Remote { get; } = SockAddr.FromEndPoint(remote);

    public WskBuf Request { get; } = new(new Mdl(request));

    public Mdl ReplyMdl { get; } = new(new byte[Math.Max(replyBytes, 1)]);

    public int ReplyBytes { get; } = replyBytes;

    public bool FastOpen { get; } = fastOpen;

    /// <summary>The reply buffer from byte <paramref name="got"/> on.</summary>
    public WskBuf ReplyFrom(int got) => new(ReplyMdl, (uint)got, (nuint)(ReplyBytes - got));

    /// <summary>A successful connection's outcome: its time to first byte and what the Fast Open report says.</summary>
    public ConnOutcome Outcome(WskSocket socket, long ttfbTicks)
    {
        int synData = -1;
        string? failReason = null;
        if (FastOpen && WskFastOpen.QueryReport(socket, out WskFastOpenReport report).IsSuccess)
        {
            synData = report.SynDataAcknowledged ? 1 : 0;
            if (!report.SynDataAcknowledged)
            {
                failReason = report.SynDataSent ? "sent, not acked: " + report.FailReason : "no SYN data: " + report.FailReason;
            }
        }

        return new ConnOutcome(Stage.None, null, ttfbTicks, synData, failReason);
    }
}
