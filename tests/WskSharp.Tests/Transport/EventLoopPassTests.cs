using WskSharp.Internal;
using WskSharp.Nt;
using WskSharp.Transport;
using WskSharp.Transport.Linux;
using WskSharp.Ws2;

namespace WskSharp.Tests.Transport;

/// <summary>
/// One pass of a Linux event loop (the readiness one epoll_wait returns) handles every ready socket before it runs the
/// completion routines those sockets' handlers completed: so the sends that routines issue leave together, after the
/// receives, instead of one receive, one send, one receive...
/// </summary>
public sealed class EventLoopPassTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public void The_routines_of_a_pass_run_after_every_socket_of_the_pass_was_handled()
    {
        using LinuxHostStack stack = LinuxHostStack.Create(1, null);
        var log = new List<string>();
        using var holding = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();

        // The holder keeps the loop busy while both datagrams arrive, so that one epoll_wait reports both sockets.
        var holder = new Handler("holder", log, onReady: () =>
        {
            holding.Set();
            Assert.True(release.Wait(Patience));
        });
        var a = new Handler("a", log);
        var b = new Handler("b", log);
        using IHostDatagramSocket holderSocket = Create(stack, holder, out SockAddr holderAddress);
        using IHostDatagramSocket first = Create(stack, a, out SockAddr firstAddress);
        using IHostDatagramSocket second = Create(stack, b, out SockAddr secondAddress);

        Assert.Equal(NtStatus.Success, first.SendTo([0], holderAddress, default, withPacketInfo: false));
        Assert.True(holding.Wait(Patience, TestContext.Current.CancellationToken));
        Assert.Equal(NtStatus.Success, holderSocket.SendTo([1], firstAddress, default, withPacketInfo: false)); // in a's queue on return
        Assert.Equal(NtStatus.Success, holderSocket.SendTo([2], secondAddress, default, withPacketInfo: false));
        release.Set();
        Assert.True(a.Routine.Wait(Patience, TestContext.Current.CancellationToken));
        Assert.True(b.Routine.Wait(Patience, TestContext.Current.CancellationToken));

        string[] order;
        lock (log)
        {
            order = [.. log.Where(e => e != "holder ready" && e != "holder routine")];
        }

        // Without one batch per pass: "a ready", "a routine", "b ready", "b routine" (or b first).
        Assert.Equal(4, order.Length);
        Assert.All(order[..2], e => Assert.EndsWith(" ready", e, StringComparison.Ordinal));
        Assert.All(order[2..], e => Assert.EndsWith(" routine", e, StringComparison.Ordinal));
    }

    private static IHostDatagramSocket Create(LinuxHostStack stack, IHostSocketEvents events, out SockAddr self)
    {
        Assert.Equal(NtStatus.Success, stack.CreateDatagramSocket(Ws2Def.AF_INET, events, out IHostDatagramSocket? socket));
        Assert.Equal(NtStatus.Success, socket!.Bind(SockAddr.Inet([127, 0, 0, 1], 0)));
        Assert.Equal(NtStatus.Success, socket.GetLocalAddress(out self));
        return socket;
    }

    /// <summary>On its first readable report, completes an IRP as the engines do (through <see cref="EngineCore.OnReady"/>, whose
    /// routine runs on the loop once no lock is held) and logs both steps.</summary>
    private sealed class Handler(string name, List<string> log, Action? onReady = null) : IHostSocketEvents, IReadinessHandler
    {
        private readonly Irp _irp = new();
        private int _reported;

        public ManualResetEventSlim Routine { get; } = new();

        public void OnReady(bool readable, bool writable, bool hangup) => EngineCore.OnReady(this, null, readable, writable, hangup);

        public void Failed(Exception exception) => throw exception;

        public void Ready(bool readable, bool writable, bool hangup)
        {
            if (!readable || Interlocked.Exchange(ref _reported, 1) != 0)
            {
                return;
            }

            lock (log)
            {
                log.Add(name + " ready");
            }

            _irp.SetCompletionRoutine((_, _) =>
            {
                lock (log)
                {
                    log.Add(name + " routine");
                }

                Routine.Set();
                return NtStatus.Success;
            }, null);
            Assert.True(_irp.TryStart());
            _irp.CompleteLater(NtStatus.Success);
            onReady?.Invoke();
        }
    }
}
