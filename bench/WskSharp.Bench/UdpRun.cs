namespace WskSharp.Bench;

/// <summary>
/// What one client process of the UDP phase reports (the native C client's <c>--json</c>, or this program's
/// <c>worker udp</c>): request/response datagram pairs over several sockets, one request in flight on each.
/// </summary>
public sealed class UdpRun
{
    public string Peer { get; set; } = "";
    public int Round { get; set; }
    public long Count { get; set; }
    public int Concurrency { get; set; }
    public int RequestBytes { get; set; }
    public long Succeeded { get; set; }
    public long Failed { get; set; }
    public long WarmupFailed { get; set; }
    public Dictionary<string, long> Errors { get; set; } = [];
    public double WallSeconds { get; set; }
    /// <summary>Request + response pairs per second.</summary>
    public double DatagramsPerSecond { get; set; }
    public double CpuUserSeconds { get; set; }
    public double CpuSysSeconds { get; set; }
    /// <summary>getrusage (user + sys) of the client over the measured pairs / pairs.</summary>
    public double CpuUsPerDatagram { get; set; }
    /// <summary>Managed peers: <c>GC.GetTotalAllocatedBytes(precise: true)</c> over the measured pairs (all threads); null for C.</summary>
    public long? AllocatedBytes { get; set; }
    public double? AllocatedBytesPerDatagram { get; set; }
    public int WarmupBursts { get; set; }
    public double JitMsDuringMeasure { get; set; }
    public long JitMethodsDuringMeasure { get; set; }
    public int Gen0DuringMeasure { get; set; }
    public bool TimedOut { get; set; }
    public string? Note { get; set; }

    public void AddError(string what, long n = 1)
    {
        Errors[what] = Errors.TryGetValue(what, out long c) ? c + n : n;
    }
}
