using WskSharp.Transport.Simulated;
using WskSharp.Tests.Reliability;
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
    private TestTransport(TransportKind kind, string? networkNamespace, SimulatedNetwork? network)
    {
        Kind = kind;
        NetworkNamespace = networkNamespace;
        Network = network;
    }

    public TransportKind Kind { get; }

    public string? NetworkNamespace { get; }

    /// <summary>The simulated network (null on Linux).</summary>
    public SimulatedNetwork? Network { get; }

    public static TestTransport Linux(string? networkNamespace = null) => new(TransportKind.Linux, networkNamespace, null);

    public static TestTransport Simulated(SimulatedNetworkOptions? options = null) => new(TransportKind.Simulated, null, new SimulatedNetwork(options));

    /// <summary>Options that put a registration on this transport.</summary>
    public WskProviderOptions Options(WskProviderOptions? options = null)
    {
        options ??= new WskProviderOptions();
        return Network is null ? options with { NetworkNamespace = NetworkNamespace } : options with { HostStack = Network.CreateStack() };
    }

    /// <summary>A registered client on this transport.</summary>
    public WskTestClient NewClient(WskProviderOptions? options = null) => new(Options(options));

    /// <summary>Descriptors of the process (Linux) or sockets open on the network (simulated).</summary>
    public int OpenResources() => Network is null ? ProcessResources.OpenDescriptors() : Network.OpenSockets;

    /// <summary>Waits for the count to come back to <paramref name="baseline"/> (closes finish on the event loop).</summary>
    public async Task<int> SettleAsync(int baseline)
    {
        if (Network is null)
        {
            return await ProcessResources.SettleDescriptorsAsync(baseline);
        }

        for (int i = 0; i < 200 && Network.OpenSockets > baseline; i++)
        {
            await Task.Delay(10);
        }

        return Network.OpenSockets;
    }

    /// <summary>Fails if the simulated network's thread saw a readiness handler throw.</summary>
    public void AssertHealthy() => Assert.Null(Network?.HandlerFailure);

    public void Dispose() => Network?.Dispose();
}
