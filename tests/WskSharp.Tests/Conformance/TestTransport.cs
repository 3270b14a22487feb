using System.Globalization;
using WskSharp.Lab;
using WskSharp.Transport.Simulated;
using WskSharp.Tests.Reliability;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Conformance;

/// <summary>The host stack a conformance test body runs on.</summary>
public enum TransportKind
{
    /// <summary>The Linux kernel's TCP (loopback, or a test namespace).</summary>
    Linux,

    /// <summary>WskSharp's deterministic simulated network (<c>src/WskSharp/Transport/Simulated</c>).</summary>
    Simulated,
}

/// <summary>
/// One test's transport: registrations on the Linux stack (optionally inside a namespace), or on a fresh seeded
/// <see cref="SimulatedNetwork"/> that every registration of the test shares. <see cref="OpenResources"/> is what must
/// come back to its baseline: the process's descriptors, or the network's open sockets.
/// </summary>
internal sealed class TestTransport : IDisposable
{
    private readonly NetworkNamespace? _namespace;
    private readonly bool _completeOnEventLoop;

    private TestTransport(TransportKind kind, NetworkNamespace? networkNamespace, SimulatedNetwork? network, bool completeOnEventLoop = false)
    {
        Kind = kind;
        _namespace = networkNamespace;
        Network = network;
        _completeOnEventLoop = completeOnEventLoop;
    }

    public TransportKind Kind { get; }

    /// <summary>The simulated network (null on Linux).</summary>
    public SimulatedNetwork? Network { get; }

    /// <summary>The kernel of this process's namespace, or (for Fast Open, which needs tcp_fastopen=3) of a test namespace.</summary>
    public static TestTransport Linux(NetworkNamespace? networkNamespace = null, bool completeOnEventLoop = false)
        => new(TransportKind.Linux, networkNamespace, null, completeOnEventLoop);

    /// <summary>A fresh simulated network; with <paramref name="completeOnEventLoop"/>, its thread finishes the IRPs.</summary>
    public static TestTransport Simulated(SimulatedNetworkOptions? options = null, bool completeOnEventLoop = false)
        => new(TransportKind.Simulated, null, new SimulatedNetwork(options), completeOnEventLoop);

    /// <summary>Options that put a registration on this transport.</summary>
    public WskProviderOptions Options(WskProviderOptions? options = null)
    {
        options ??= new WskProviderOptions();
        options = _completeOnEventLoop ? options with { CompleteOnEventLoop = true } : options;
        return Network is null ? options with { NetworkNamespace = _namespace?.Name } : options with { HostStack = Network.CreateStack() };
    }

    /// <summary>A registered client on this transport.</summary>
    public WskTestClient NewClient(WskProviderOptions? options = null) => new(Options(options));

    /// <summary>Runs <paramref name="body"/> with two registrations on this transport (a client and a server), closes them,
    /// then checks that nothing is left open beyond what was before and that the transport stayed healthy.</summary>
    public async Task WithClientsAsync(Func<WskTestClient, WskTestClient, Task> body)
    {
        int before = OpenResources();
        using (WskTestClient client = NewClient())
        using (WskTestClient server = NewClient())
        {
            await body(client, server);
        }

        Assert.True(await SettleAsync(before) <= before, $"{OpenResources()} open at the end, {before} before");
        AssertHealthy();
    }

    /// <summary>Socket and namespace descriptors of the process (Linux) or sockets open on the network (simulated).</summary>
    public int OpenResources() => Network is null ? ProcessResources.OpenNetworkDescriptors() : Network.OpenSockets;

    /// <summary>Waits for the count to come back to <paramref name="baseline"/> (closes finish on the event loop).</summary>
    public async Task<int> SettleAsync(int baseline)
    {
        int now = OpenResources();
        for (int i = 0; i < 200 && now > baseline; i++)
        {
            await Task.Delay(10);
            now = OpenResources();
        }

        return now;
    }

    /// <summary>
    /// Waits until the listener at <paramref name="listening"/> holds <paramref name="count"/> connections ready for accept,
    /// so a WskAccept completes inline. On Linux the connect completes at the client once the SYN-ACK is in, and the
    /// server's end joins the accept queue when the client's ACK is processed, which under load may come later: the
    /// kernel's own count is read (/proc/net/tcp gives a listening socket's accept queue length as its rx_queue). The
    /// simulated network queues the server's end before its SYN-ACK leaves, so there is nothing to wait for.
    /// </summary>
    public async Task AwaitAcceptQueueAsync(SockAddr listening, int count)
    {
        if (Network is not null)
        {
            return;
        }

        Assert.Null(_namespace); // /proc/net shows this process's namespace only.
        string table = listening.Family == Ws2Def.AF_INET6 ? "/proc/net/tcp6" : "/proc/net/tcp";
        string port = $":{listening.Port:X4}";
        var guard = System.Diagnostics.Stopwatch.StartNew();
        while (QueuedConnections(table, port) < count)
        {
            Assert.True(guard.Elapsed < LoopbackConnection.HangGuard, $"the listener on port {listening.Port} never queued {count} connections");
            await Task.Delay(1, TestContext.Current.CancellationToken); // Paces the polling only: the loop ends on the kernel's count.
        }
    }

    /// <summary>The accept queue length of the listening socket (state 0A) whose local port is <paramref name="port"/>.</summary>
    private static int QueuedConnections(string table, string port)
    {
        foreach (string line in File.ReadLines(table).Skip(1))
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields[3] == "0A" && fields[1].EndsWith(port, StringComparison.Ordinal))
            {
                return int.Parse(fields[4].AsSpan(fields[4].IndexOf(':') + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    /// <summary>Bytes of datagrams delivered to receivers so far (the simulated network's count; 0 on Linux, where
    /// <see cref="AwaitDatagramBytesAsync"/> has nothing to wait for).</summary>
    public long DatagramBytes => Network?.BytesDelivered ?? 0;

    /// <summary>Waits until datagrams sent are in their receivers' queues: <paramref name="bytes"/> delivered in all (counted
    /// from <see cref="DatagramBytes"/>). On Linux loopback a datagram is queued when its send returns: nothing to wait for.
    /// The simulated network delivers after a seeded delay on its own thread.</summary>
    public async Task AwaitDatagramBytesAsync(long bytes)
    {
        if (Network is null)
        {
            return;
        }

        var guard = System.Diagnostics.Stopwatch.StartNew();
        while (Network.BytesDelivered < bytes)
        {
            Assert.True(guard.Elapsed < LoopbackConnection.HangGuard, $"only {Network.BytesDelivered} of {bytes} datagram bytes arrived");
            await Task.Delay(1, TestContext.Current.CancellationToken); // Paces the polling only: the loop ends on the network's count.
        }
    }

    /// <summary>Forgets the Fast Open cookies clients hold, so the next Fast Open connect asks for one.</summary>
    public void ForgetFastOpenCookies()
    {
        Network?.ForgetCookies();
        _namespace?.ForgetFastOpenCookies();
    }

    /// <summary>Fails if the simulated network's thread saw a readiness handler throw.</summary>
    public void AssertHealthy() => Assert.Null(Network?.HandlerFailure);

    public void Dispose() => Network?.Dispose();
}
