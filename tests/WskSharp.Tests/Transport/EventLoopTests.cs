using WskSharp.Nt;
using WskSharp.Transport.Linux;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Transport;

/// <summary>
/// A registration's event loops (<see cref="WskProviderOptions.EventLoopCount"/>): sockets go round robin over them,
/// each loop runs its own sockets' completion routines on its own thread, and WskDeregister stops them all.
/// </summary>
public sealed class EventLoopTests
{
    private const string ChildVariable = "WSKSHARP_TEST_EVENT_LOOP_SHUTDOWN";

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(WskProviderOptions.MaxEventLoopCount + 1)]
    public void WskRegister_refuses_an_event_loop_count_out_of_range(int count)
    {
        NtStatus status = WskApi.WskRegister(new WskClientNpi(null, new WskClientDispatch(WskConstants.WSK_V1_0)),
            new WskProviderOptions { EventLoopCount = count }, out WskRegistration? registration);
        Assert.Equal(NtStatus.InvalidParameter, status);
        Assert.Null(registration);
    }

    [Fact]
    public async Task Sockets_go_round_robin_over_the_loops_and_each_routine_runs_on_its_sockets_loop()
    {
        const int Loops = 3;
        using var client = new WskTestClient(new WskProviderOptions { EventLoopCount = Loops });
        var stack = Assert.IsType<LinuxHostStack>(client.Registration.Client.Stack);
        Assert.Equal(Loops, stack.Loops.Count);

        // A listener and three pairs: seven sockets, so the six connected ones cover every loop.
        var (listener, address) = client.CreateListener();
        var sockets = new List<WskSocket>();
        for (int i = 0; i < Loops; i++)
        {
            Task<WskSocket> accepting = client.AcceptAsync(listener);
            sockets.Add(await client.ConnectAsync(address));
            sockets.Add(await accepting);
        }

        var threads = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < sockets.Count; i++)
        {
            WskSocket receiver = sockets[i], sender = sockets[i ^ 1]; // Each socket's peer is its pair's other end.
            threads.Add(await RoutineThreadOfAReceiveAsync(receiver, sender));
        }

        Assert.Equal(Enumerable.Range(0, Loops).Select(n => $"WskSharp epoll {n}").ToHashSet(StringComparer.Ordinal), threads);
        Assert.All(stack.Loops, loop => Assert.True(loop.Thread?.IsAlive, $"loop {loop.Index} runs"));
    }

    [Fact]
    public async Task WskDeregister_ends_every_loop_thread_and_a_later_registration_starts_its_own()
    {
        LinuxHostStack first;
        Thread[] threads;
        using (var client = new WskTestClient(new WskProviderOptions { EventLoopCount = 2 }))
        {
            first = Assert.IsType<LinuxHostStack>(client.Registration.Client.Stack);
            var (a, b) = await client.ConnectPairAsync(client); // Listener, client, accepted: both loops start.
            await WskTestClient.SendAsync(a, [1]);
            Assert.Equal(new byte[] { 1 }, await WskTestClient.ReceiveAsync(b, 1));
            threads = [.. first.Loops.Select(l => Assert.IsType<Thread>(l.Thread))];
        }

        Assert.All(threads, t => Assert.True(t.Join(TimeSpan.FromSeconds(20)), $"{t.Name} ended"));

        // The stopped stack makes nothing more; a new registration has loops of its own.
        using var again = new WskTestClient(new WskProviderOptions { EventLoopCount = 2 });
        var (c, d) = await again.ConnectPairAsync(again);
        await WskTestClient.SendAsync(c, [2]);
        Assert.Equal(new byte[] { 2 }, await WskTestClient.ReceiveAsync(d, 1));
        Assert.NotSame(first, again.Registration.Client.Stack);
        Assert.Equal(NtStatus.InvalidDeviceState, ErrnoMapping.ToNtStatus(first.Loops[0].TryStart(), null));
    }

    /// <summary>
    /// Descriptors and threads, counted in the whole process: that needs a process where nothing else runs, so the test
    /// runs itself again in a child process (as <see cref="Reliability.EventLoopStartTests"/> does).
    /// </summary>
    [Fact]
    public void WskDeregister_gives_back_the_loops_descriptors_and_threads()
    {
        if (Environment.GetEnvironmentVariable(ChildVariable) == "1")
        {
            RunInFreshProcess();
            return;
        }

        string name = $"{typeof(EventLoopTests).FullName}.{nameof(WskDeregister_gives_back_the_loops_descriptors_and_threads)}";
        string assembly = typeof(EventLoopTests).Assembly.Location;
        var (exitCode, output) = ChildProcess.Run("dotnet", [assembly, "-method", name, "-noColor"], Path.GetDirectoryName(assembly)!,
            TimeSpan.FromMinutes(3), new Dictionary<string, string?> { [ChildVariable] = "1" });
        Assert.True(exitCode == 0, output);
        Assert.Contains("Total: 1, Errors: 0, Failed: 0, Skipped: 0", output, StringComparison.Ordinal); // It ran, in the child.
    }

    private static void RunInFreshProcess()
    {
        Cycle(); // Loads and runs every path once: what the runtime opens for itself on first use is in the baseline.
        WaitFor(() => LoopThreads() == 0, "the warm-up's loop threads end");
        int fds = Descriptors();

        (int heldFds, int heldThreads) = Cycle();
        Assert.True(heldFds >= fds + 2 * 2 + 3, $"{heldFds} descriptors held, {fds} before"); // 2 loops × (epoll + eventfd), 3 sockets.
        Assert.Equal(4, heldThreads);

        WaitFor(() => LoopThreads() == 0, "every loop thread ends at WskDeregister");
        Assert.Equal(fds, Descriptors());
    }

    /// <summary>Two registrations of two loops each, a connection in each, closed and deregistered; returns the
    /// descriptors and loop threads held at the busiest point.</summary>
    private static (int Fds, int Threads) Cycle()
    {
        using var one = new WskTestClient(new WskProviderOptions { EventLoopCount = 2 });
        using var two = new WskTestClient(new WskProviderOptions { EventLoopCount = 2 });
        foreach (WskTestClient client in new[] { one, two })
        {
            var (a, b) = client.ConnectPairAsync(client).GetAwaiter().GetResult();
            WskTestClient.SendAsync(a, [1]).GetAwaiter().GetResult();
            Assert.Equal(new byte[] { 1 }, WskTestClient.ReceiveAsync(b, 1).GetAwaiter().GetResult());
        }

        return (Descriptors(), LoopThreads());
    }

    private static int Descriptors() => Directory.GetFiles("/proc/self/fd").Length;

    /// <summary>Threads whose name (the kernel keeps 15 characters) is an event loop's.</summary>
    private static int LoopThreads() => Directory.GetDirectories("/proc/self/task")
        .Count(task => File.Exists(Path.Combine(task, "comm")) && TryRead(Path.Combine(task, "comm")).StartsWith("WskSharp epoll", StringComparison.Ordinal));

    private static string TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return ""; // The thread ended meanwhile.
        }
    }

    private static void WaitFor(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            Thread.Sleep(10);
        }
    }

    private static async Task<string> RoutineThreadOfAReceiveAsync(WskSocket receiver, WskSocket sender)
    {
        var irp = new Irp();
        string? thread = null;
        var ran = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        irp.SetCompletionRoutine((_, _) =>
        {
            thread = Thread.CurrentThread.Name ?? "pool";
            ran.SetResult();
            return NtStatus.MoreProcessingRequired;
        }, null);
        Assert.Equal(NtStatus.Pending, WskTestClient.Connection(receiver).WskReceive(receiver, new WskBuf(new Mdl(new byte[1])), 0, irp));
        await WskTestClient.SendAsync(sender, [9]);
        await ran.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(NtStatus.Success, irp.IoStatus.Status);
        return thread!;
    }
}
