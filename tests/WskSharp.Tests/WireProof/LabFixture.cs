using System.Net;
using WskSharp.Lab;

namespace WskSharp.Tests.WireProof;

/// <summary>
/// A network lab (<c>tools/lab/lab.sh</c>: client and server namespaces joined by a delay line, ~20 ms RTT, Fast Open on
/// inside them) shared by a test class, and a scratch directory for its captures. Where the process cannot make one
/// (not root, no iproute2, no TUN, no tcpdump) <see cref="SkipReason"/> says why and the tests skip with it; in CI
/// (root) they run. The lab is made with <c>--parent-pid</c> of this process and a <c>--max-seconds</c> bound, so
/// it goes away even if the test process dies.
/// </summary>
public class LabFixture : IAsyncLifetime
{
    private LabNetwork? _lab;
    private DirectoryInfo? _captures;
    private int _captureCounter;

    public LabFixture()
    {
        string? why = LabNetwork.WhyNot ?? (SynCapture.TcpdumpPath is null ? "needs tcpdump (Debian package tcpdump)" : null);
        SkipReason = why is null ? null : $"Wire-proof tests need the network lab: {why}";
    }

    public string? SkipReason { get; }

    /// <summary>How the lab is made: 10 ms one way (~20 ms RTT), no blackhole.</summary>
    protected virtual LabOptions Options => new() { DelayMs = 10, MaxSeconds = 600 };

    public async ValueTask InitializeAsync()
    {
        if (SkipReason is null)
        {
            _lab = await LabNetwork.UpAsync(Options);
            _captures = Directory.CreateTempSubdirectory($"wsksharp-wireproof-{_lab.Name}-");
        }
    }

    /// <summary>The lab, or a skip (with the reason) where none can be made.</summary>
    public LabNetwork Require()
    {
        if (_lab is null)
        {
            Assert.Skip(SkipReason ?? "the lab did not come up");
        }

        return _lab!;
    }

    /// <summary>A new pcap file name in the fixture's scratch directory (deleted with the fixture).</summary>
    public string NewPcapPath(string label) => Path.Combine(_captures!.FullName, $"{Interlocked.Increment(ref _captureCounter):D2}-{label}.pcap");

    public async ValueTask DisposeAsync()
    {
        if (_lab is not null)
        {
            await _lab.DisposeAsync();
        }

        try
        {
            _captures?.Delete(recursive: true);
        }
        catch (IOException)
        {
        }

        GC.SuppressFinalize(this);
    }
}

/// <summary>A lab whose delay line drops every SYN that carries data to 198.18.0.2 (a SYN without data passes).</summary>
public sealed class BlackholeLabFixture : LabFixture
{
    /// <summary>198.18.0.2, as lab.sh assigns it.</summary>
    public static readonly IPAddress Blackholed = IPAddress.Parse("198.18.0.2");

    protected override LabOptions Options => new() { DelayMs = 10, MaxSeconds = 600, BlackholeSynData = [Blackholed] };
}
