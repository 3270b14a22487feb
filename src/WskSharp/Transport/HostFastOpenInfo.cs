namespace WskSharp.Transport;

/// <summary>What the host kernel says of a finished handshake's Fast Open (Linux: <c>TCP_INFO</c>).</summary>
/// <param name="SynDataAcknowledged"><c>tcpi_options &amp; TCPI_OPT_SYN_DATA</c>: the SYN carried data the peer acknowledged.</param>
/// <param name="FailReason"><c>tcpi_fastopen_client_fail</c>: 0 unspecified, 1 no cookie, 2 data not acknowledged, 3 SYN retransmitted.</param>
/// <param name="State">The TCP state number (<c>tcpi_state</c>).</param>
internal readonly record struct HostFastOpenInfo(bool SynDataAcknowledged, byte FailReason, byte State);
