using WskSharp.FastOpen;
using WskSharp.Wsk;

namespace WskSharp.Net;

/// <summary>
/// What TCP Fast Open did for a connection's <c>WskConnectEx</c>: did the SYN carry the initial data, did the server
/// acknowledge it, how many bytes, and if not, why not. Read from the WSK layer's report
/// (<c>WskControlSocket(WskIoctl, SIO_WSKSHARP_FASTOPEN_REPORT)</c>), which the kernel's <c>TCP_INFO</c> fills.
/// </summary>
public sealed record WskFastOpenResult
{
    internal WskFastOpenResult(WskFastOpenReport report, string? whyNot)
    {
        Report = report;
        WhyNot = whyNot;
    }

    /// <summary>True when Fast Open was tried: it was on for the connection and there was initial data.</summary>
    public bool Requested => (Report.Flags & WskFastOpenFlags.Requested) != 0;

    /// <summary>True when no cookie for the server was cached yet: the SYN asked for one and carried no data.</summary>
    public bool CookieRequested => (Report.Flags & WskFastOpenFlags.CookieRequested) != 0;

    /// <summary>True when the SYN carried (some of) the initial data.</summary>
    public bool SynDataSent => Report.SynDataSent;

    /// <summary>True when the server acknowledged the data in the SYN: the request saved a round trip.</summary>
    public bool SynDataAcknowledged => Report.SynDataAcknowledged;

    /// <summary>Bytes the SYN carried (at most about one MSS; 0 when it carried none).</summary>
    public int BytesInSyn => (int)Report.BytesInSyn;

    /// <summary>Bytes of the initial data that <c>WskConnectEx</c> sent in all, in the SYN and after the handshake.</summary>
    public int BytesSent => (int)Report.BytesSent;

    /// <summary>The kernel's reason when SYN data was not sent or not acknowledged (<c>tcpi_fastopen_client_fail</c>).</summary>
    public WskFastOpenFailReason FailReason => Report.FailReason;

    /// <summary>True when Fast Open was on but the provider chose not to use it (its <see cref="WskProviderOptions.FastOpenMode"/>
    /// is off, or its adaptive memory holds SYN data back from a destination whose path dropped it).</summary>
    public bool Skipped => Report.Skipped;

    /// <summary>When the provider's adaptive memory held SYN data back from this destination: until when; null otherwise.</summary>
    public DateTimeOffset? SkippedUntil => Report.SkippedUntil;

    /// <summary>Why the initial data did not ride in an acknowledged SYN, in a sentence; null when it did.</summary>
    public string? WhyNot { get; }

    /// <summary>The WSK layer's report, as <see cref="WskFastOpen.QueryReport"/> reads it.</summary>
    public WskFastOpenReport Report { get; }

    /// <summary>A one-line account, e.g. <c>SYN data 37 B, acknowledged; 37 B sent</c>.</summary>
    public override string ToString() => Report.ToString();

    /// <summary>The result for a connection whose WskConnectEx completed with <paramref name="report"/>.</summary>
    internal static WskFastOpenResult FromConnect(WskFastOpenReport report, bool fastOpenOn, int initialDataLength)
    {
        string? whyNot = report.SynDataAcknowledged ? null
            : !fastOpenOn ? "Fast Open was off for this connection (WskConnectOptions.FastOpen = false)."
            : initialDataLength == 0 ? "There was no initial data to carry: pass the first bytes to ConnectAsync (they become WskConnectEx's buffer)."
            : report.Skipped ? (report.SkippedUntil is { } until
                ? $"The provider held SYN data back on purpose: this destination's path dropped SYN data before, so it waits until {until:u} to try again; the data followed the handshake."
                : "The provider held SYN data back on purpose (its Fast Open mode is off); the data followed the handshake.")
            : report.FailReason == WskFastOpenFailReason.DataNotAcknowledged || (report.SynDataSent && report.FailReason == WskFastOpenFailReason.None)
                ? "The server did not acknowledge the data in the SYN (its Fast Open is off, or it refused the cookie); the kernel sent the data again after the handshake."
            : report.FailReason == WskFastOpenFailReason.SynRetransmitted
                ? "The SYN carrying data was lost or dropped on the path; the kernel fell back to a plain SYN and sent the data after the handshake."
            : (report.Flags & WskFastOpenFlags.CookieRequested) != 0 || report.FailReason == WskFastOpenFailReason.NoCookie
                ? "No Fast Open cookie for this server was cached yet: the SYN asked for one and the data followed the handshake; the next connection to it can carry data in its SYN (a server without Fast Open never gives a cookie)."
            : "The kernel did not put data in the SYN.";
        return new WskFastOpenResult(report, whyNot);
    }

    /// <summary>The result for an accepted connection: Fast Open is the connecting side's to try.</summary>
    internal static WskFastOpenResult Accepted { get; } = new(default, "An accepted connection: Fast Open is tried by the connecting side.");
}
