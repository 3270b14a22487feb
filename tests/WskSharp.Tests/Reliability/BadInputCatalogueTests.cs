using WskSharp.Nt;
using WskSharp.Tests.Conformance;
using WskSharp.Transport.Simulated;
using WskSharp.Wsk;

namespace WskSharp.Tests.Reliability;

/// <summary>The catalogue on the Linux kernel's TCP: descriptors of the process are the resource that must not leak.</summary>
[Collection(ReliabilityCollection.Name)]
public sealed class BadInputCatalogueOnLinuxTests : BadInputCatalogueTests
{
    private protected override TransportKind Kind => TransportKind.Linux;
}

/// <summary>The catalogue on the simulated network (a fresh seeded network per case): its open sockets must come back to 0.</summary>
[Collection(ReliabilityCollection.Name)]
public sealed class BadInputCatalogueOnSimulatedTests : BadInputCatalogueTests
{
    private protected override TransportKind Kind => TransportKind.Simulated;
}

/// <summary>
/// Runs <see cref="BadInputCatalogue"/> on a transport (one body, two modes): for each bad input, on fresh objects, the
/// return is the documented status; the IRP (when there is one) holds it with its completion routine run exactly once
/// (or, for an IRP already pending, is left alone and completes once later); afterwards the provider still carries a
/// connection with data, and nothing is left open: the process's descriptors (Linux) or the network's sockets (simulated).
/// </summary>
public abstract class BadInputCatalogueTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(20);

    public static TheoryData<string> Names { get; } = [.. BadInputCatalogue.All.Select(c => c.Name)];

    private protected abstract TransportKind Kind { get; }

    [Fact]
    public void The_catalogue_has_at_least_40_distinct_named_cases()
    {
        Assert.True(BadInputCatalogue.All.Count >= 40, $"only {BadInputCatalogue.All.Count} cases");
        Assert.Equal(BadInputCatalogue.All.Count, BadInputCatalogue.All.Select(c => c.Name).Distinct().Count());
        Assert.All(BadInputCatalogue.All, c => Assert.NotEqual(NtStatus.Success, c.Expected));
    }

    [Theory]
    [MemberData(nameof(Names), MemberType = typeof(BadInputCatalogueTests))]
    public async Task Each_bad_input_is_refused_with_its_status_and_leaves_the_provider_working_and_nothing_open(string name)
    {
        BadInput badInput = BadInputCatalogue.All.Single(c => c.Name == name);
        if (Kind == TransportKind.Simulated)
        {
            using TestTransport transport = TestTransport.Simulated(new SimulatedNetworkOptions { Seed = StableSeed(name) });
            await RunAsync(badInput, transport);
            await ProviderWorksAsync(transport);
            Assert.Equal(0, await transport.SettleAsync(0));
            transport.AssertHealthy();
            return;
        }

        using TestTransport linux = TestTransport.Linux();
        await WarmUpAsync(linux);
        int before = ProcessResources.OpenDescriptors();

        await RunAsync(badInput, linux);
        await ProviderWorksAsync(linux);

        int after = await ProcessResources.SettleDescriptorsAsync(before);
        Assert.True(after <= before, $"{name}: {after} descriptors open after the case, {before} before");
    }

    [Fact]
    public async Task The_whole_catalogue_in_one_run_ends_with_nothing_open()
    {
        using TestTransport transport = Kind == TransportKind.Simulated ? TestTransport.Simulated(new SimulatedNetworkOptions { Seed = 7 }) : TestTransport.Linux();
        await WarmUpAsync(transport);
        int before = transport.OpenResources();
        string was = ProcessResources.DescribeDescriptors();
        foreach (BadInput badInput in BadInputCatalogue.All)
        {
            await RunAsync(badInput, transport);
        }

        await ProviderWorksAsync(transport);
        int after = await transport.SettleAsync(before);
        Assert.True(after <= before, $"{after} open after {BadInputCatalogue.All.Count} cases on {Kind}, {before} before.\nBefore: {was}\nAfter: {ProcessResources.DescribeDescriptors()}");
        if (transport.Network is { } network)
        {
            Assert.Equal(0, after);
            Assert.True(network.SocketsCreated > BadInputCatalogue.All.Count, $"only {network.SocketsCreated} simulated sockets made");
        }

        transport.AssertHealthy();
    }

    /// <summary>A seed per case that stays the same from run to run (string hashes do not).</summary>
    private static int StableSeed(string name)
    {
        int seed = 17;
        foreach (char c in name)
        {
            seed = unchecked((seed * 31) + c);
        }

        return seed;
    }

    /// <summary>
    /// One unmeasured pass over the whole catalogue, once per process: the runtime keeps descriptors for what it loads on
    /// first use (each assembly mapped, .NET's own socket event loop, WskSharp's epoll), and those are not leaks.
    /// </summary>
    private static async Task WarmUpAsync(TestTransport transport)
    {
        if (transport.Network is null && Interlocked.Exchange(ref s_warm, 1) == 0)
        {
            foreach (BadInput badInput in BadInputCatalogue.All)
            {
                await RunAsync(badInput, transport);
            }
        }

        await ProviderWorksAsync(transport);
    }

    private static int s_warm;

    private static async Task RunAsync(BadInput badInput, TestTransport transport)
    {
        var ctx = new BadInputContext(transport);
        IrpProbe probe = ctx.Probe;
        NtStatus returned;
        try
        {
            returned = await badInput.Call(ctx).WaitAsync(HangGuard, TestContext.Current.CancellationToken);
            Assert.True(badInput.Expected == returned, $"{badInput.Name}: returned {returned}, documented {badInput.Expected}");
            switch (badInput.Irp)
            {
                case IrpUse.Completed:
                    Assert.False(probe.Irp.IsPending, $"{badInput.Name}: the IRP is still pending");
                    Assert.Equal(1, probe.Count);
                    Assert.Equal(badInput.Expected, probe.SeenStatus);
                    Assert.Equal(badInput.Expected, probe.Irp.IoStatus.Status);
                    break;
                case IrpUse.Untouched:
                    Assert.Equal(0, probe.Count);
                    Assert.Equal(IrpProbe.Sentinel, probe.Irp.IoStatus.Status);
                    break;
                case IrpUse.LeftPending:
                    Assert.True(probe.Irp.IsPending, $"{badInput.Name}: the pending IRP was taken");
                    Assert.Equal(0, probe.Count);
                    Assert.Equal(IrpProbe.Sentinel, probe.Irp.IoStatus.Status);
                    break;
            }
        }
        finally
        {
            // A socket the case forgot would make WskDeregister wait for ever: fail instead of hanging.
            await Task.Run(ctx.Dispose, TestContext.Current.CancellationToken).WaitAsync(HangGuard, TestContext.Current.CancellationToken);
        }

        if (badInput.Irp == IrpUse.LeftPending)
        {
            // Its own request ends when the case's sockets close: once, cancelled.
            Assert.Equal(NtStatus.Cancelled, await probe.WaitAsync());
            Assert.Equal(1, probe.Count);
        }
    }

    /// <summary>A normal loopback connection through a fresh registration: connect with a request, echo it back.</summary>
    internal static async Task ProviderWorksAsync(TestTransport transport)
    {
        byte[] request = BadInputCatalogue.HealthRequest.ToArray();
        using WskTestClient client = transport.NewClient();
        var (socket, server) = await client.ConnectPairAsync(client, data: request).WaitAsync(HangGuard, TestContext.Current.CancellationToken);
        byte[] received = await WskTestClient.ReceiveAsync(server, request.Length);
        Assert.Equal(request, received);
        await WskTestClient.SendAsync(server, received);
        Assert.Equal(request, await WskTestClient.ReceiveAsync(socket, request.Length));
    }
}
