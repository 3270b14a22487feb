using System.Runtime.CompilerServices;
using WskSharp.Internal;
using WskSharp.Nt;
using WskSharp.Transport;
using WskSharp.Transport.Linux;
using WskSharp.Ws2;

namespace WskSharp.Tests.Transport;

/// <summary>
/// A Linux datagram socket's reads are level-triggered: a receive takes one datagram with one syscall, and a datagram
/// still queued is reported again by the loop's next pass, so a receive need not learn that it emptied the queue. While
/// nobody takes datagrams (no receive waits, no event can be delivered) the engine says so, and the loop reports only new
/// arrivals, instead of the waiting datagram on every pass.
/// </summary>
public sealed class LinuxDatagramLevelTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_datagram_left_queued_by_a_receive_reaches_the_next_receive_after_a_send_without_new_traffic()
    {
        using LinuxHostStack stack = LinuxHostStack.Create(1, null);
        var counting = new CountingStack(stack);
        DatagramEngine engine = Bound(counting, out SockAddr self);
        DatagramEngine peer = Bound(stack, out SockAddr peerAddress);
        using var holding = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var holder = new Holder(holding, release);
        Assert.Equal(NtStatus.Success, stack.CreateDatagramSocket(Ws2Def.AF_INET, holder, out IHostDatagramSocket? holderSocket));
        using IHostDatagramSocket held = holderSocket!;
        holder.Socket = held;
        Assert.Equal(NtStatus.Success, held.Bind(SockAddr.Inet([127, 0, 0, 1], 0)));
        Assert.Equal(NtStatus.Success, held.GetLocalAddress(out SockAddr holderAddress));

        // The request/response shape: when the first receive completes, its routine (on the loop, after the pass) sends and
        // issues the next receive, which waits for the loop instead of trying a syscall.
        var next = new TaskCompletionSource<Receive>(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = new Receive(engine, () =>
        {
            Send(engine, peerAddress, 0);
            next.SetResult(new Receive(engine));
        });
        Assert.Equal(NtStatus.Pending, first.Status);

        // Both datagrams are queued before the loop looks at the socket: it is busy in the holder's report meanwhile.
        Assert.Equal(NtStatus.Success, Send(peer, holderAddress, 0));
        Assert.True(holding.Wait(Patience, TestContext.Current.CancellationToken));
        Assert.Equal(NtStatus.Success, Send(peer, self, 1)); // on loopback, in the queue when the send returns
        Assert.Equal(NtStatus.Success, Send(peer, self, 2));
        release.Set();
        Assert.Equal(NtStatus.Success, await first.Completion.WaitAsync(Patience, TestContext.Current.CancellationToken));
        Assert.Equal(1, first.Buffer[0]);

        // The loop's next pass reports the datagram still queued (nothing new arrives): with edge-triggered reads and one
        // datagram a syscall it would wait for good.
        Receive second = await next.Task.WaitAsync(Patience, TestContext.Current.CancellationToken);
        Assert.Equal(NtStatus.Pending, second.Status); // A receive of two at once had kept it: Success at once.
        Assert.Equal(NtStatus.Success, await second.Completion.WaitAsync(Patience, TestContext.Current.CancellationToken));
        Assert.Equal(2, second.Buffer[0]);
        Assert.Equal(3, counting.ReceiveSyscalls); // the first receive's empty try, then one per datagram
        engine.Close();
        peer.Close();
    }

    [Fact]
    public async Task A_datagram_nobody_takes_is_not_reported_on_every_pass_and_a_later_receive_still_gets_it()
    {
        using LinuxHostStack stack = LinuxHostStack.Create(1, null);
        var idleStack = new CountingStack(stack);
        DatagramEngine idle = Bound(idleStack, out SockAddr idleAddress);
        DatagramEngine busy = Bound(stack, out SockAddr busyAddress);
        DatagramEngine peer = Bound(stack, out _);

        // No receive waits and receive events are off: nobody takes it.
        Assert.Equal(NtStatus.Success, Send(peer, idleAddress, 9));

        // Each round trip of the other socket takes at least one pass of the one loop both sockets share.
        const int rounds = 20;
        for (int i = 0; i < rounds; i++)
        {
            var receive = new Receive(busy);
            Assert.Equal(NtStatus.Pending, receive.Status);
            Assert.Equal(NtStatus.Success, Send(peer, busyAddress, (byte)i));
            Assert.Equal(NtStatus.Success, await receive.Completion.WaitAsync(Patience, TestContext.Current.CancellationToken));
        }

        // The arrival, and at most once more as reads turned edge-triggered (the kernel re-checks a modified registration);
        // without that, every pass (at least one per round) reported it.
        Assert.InRange(idleStack.ReadableReports, 1, 2);

        // A receive still gets it; the next waits and is told of a new arrival.
        var late = new Receive(idle);
        Assert.Equal(NtStatus.Success, late.Status);
        Assert.Equal(9, late.Buffer[0]);
        var next = new Receive(idle);
        Assert.Equal(NtStatus.Pending, next.Status);
        Assert.Equal(NtStatus.Success, Send(peer, idleAddress, 10));
        Assert.Equal(NtStatus.Success, await next.Completion.WaitAsync(Patience, TestContext.Current.CancellationToken));
        Assert.Equal(10, next.Buffer[0]);
        idle.Close();
        busy.Close();
        peer.Close();
    }

    [Fact]
    public async Task An_error_a_send_took_reaches_the_next_receive_naming_the_destination_and_is_not_reported_on_every_pass()
    {
        using LinuxHostStack stack = LinuxHostStack.Create(1, null);
        var counting = new CountingStack(stack);
        DatagramEngine engine = Bound(counting, out _);
        DatagramEngine busy = Bound(stack, out SockAddr busyAddress);
        DatagramEngine peer = Bound(stack, out SockAddr peerAddress);
        DatagramEngine gone = Bound(stack, out SockAddr goneAddress);
        gone.Close();

        // A datagram to a port nobody has: the ICMP port unreachable comes back as an error report, which nobody takes.
        Assert.Equal(NtStatus.Success, Send(engine, goneAddress, 1));
        await counting.ErrorReported.WaitAsync(Patience, TestContext.Current.CancellationToken);

        // The next send is handed the error by the kernel (and is sent): the error is kept for the next receive, while its
        // report stays in the socket's error queue, which would keep the socket reported by every pass.
        Assert.Equal(NtStatus.Success, Send(engine, peerAddress, 2));
        var failed = new Receive(engine);
        Assert.Equal(NtStatus.PortUnreachable, failed.Status);
        Assert.Equal(goneAddress, failed.From.Value); // Read from the report, which is drained with it.

        var waiting = new Receive(engine);
        Assert.Equal(NtStatus.Pending, waiting.Status);
        int before = counting.ReadableReports;
        for (int i = 0; i < 20; i++)
        {
            var receive = new Receive(busy);
            Assert.Equal(NtStatus.Pending, receive.Status);
            Assert.Equal(NtStatus.Success, Send(peer, busyAddress, i));
            Assert.Equal(NtStatus.Success, await receive.Completion.WaitAsync(Patience, TestContext.Current.CancellationToken));
        }

        Assert.InRange(counting.ReadableReports - before, 0, 1); // An error report level-triggered: one per pass.
        engine.Close();
        busy.Close();
        peer.Close();
    }

    private static DatagramEngine Bound(IHostStack stack, out SockAddr self)
    {
        Assert.Equal(NtStatus.Success, DatagramEngine.Create(stack, Ws2Def.AF_INET, false, null, null, out DatagramEngine? engine));
        Assert.Equal(NtStatus.Success, engine!.Bind(SockAddr.Inet([127, 0, 0, 1], 0)));
        Assert.Equal(NtStatus.Success, engine.GetLocalAddress(out self));
        return engine;
    }

    private static NtStatus Send(DatagramEngine engine, SockAddr to, int value)
    {
        var irp = new Irp();
        Assert.True(irp.TryStart());
        return engine.SendTo(new Mdl([(byte)value]), 0, 1, to, default, withPacketInfo: false, irp);
    }

    /// <summary>One receive IRP of up to 16 bytes, issued at construction.</summary>
    private sealed class Receive
    {
        private readonly TaskCompletionSource<NtStatus> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Receive(DatagramEngine engine, Action? then = null)
        {
            var irp = new Irp();
            irp.SetCompletionRoutine((done, _) =>
            {
                then?.Invoke();
                _done.TrySetResult(done.IoStatus.Status);
                return NtStatus.Success;
            }, null);
            Assert.True(irp.TryStart());
            Status = engine.ReceiveFrom(new Mdl(Buffer), 0, Buffer.Length, From, null, default, null, irp);
        }

        public byte[] Buffer { get; } = new byte[16];

        public StrongBox<SockAddr> From { get; } = new();

        public NtStatus Status { get; }

        public Task<NtStatus> Completion => _done.Task;
    }

    /// <summary>Holds the loop in its first readable report (having read its datagram) until released.</summary>
    private sealed class Holder(ManualResetEventSlim holding, ManualResetEventSlim release) : IHostSocketEvents
    {
        private int _reported;

        public IHostDatagramSocket? Socket { get; set; }

        public void OnReady(bool readable, bool writable, bool hangup)
        {
            if (!readable || Interlocked.Exchange(ref _reported, 1) != 0)
            {
                return;
            }

            Socket!.ReceiveFrom(new byte[16], out _);
            holding.Set();
            release.Wait(Patience);
        }
    }

    /// <summary>A host stack whose datagram sockets' readable reports and receive syscalls are counted.</summary>
    private sealed class CountingStack(LinuxHostStack inner) : IHostStack, IHostSocketEvents
    {
        private IHostSocketEvents? _events;
        private LinuxHostDatagramSocket? _socket;
        private int _readable;
        private readonly TaskCompletionSource _error = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => inner.Name;

        public int ReadableReports => Volatile.Read(ref _readable);

        public Task ErrorReported => _error.Task;

        public long ReceiveSyscalls => _socket!.ReceiveSyscalls;

        public NtStatus CreateStreamSocket(ushort family, IHostSocketEvents events, out IHostSocket? socket) =>
            inner.CreateStreamSocket(family, events, out socket);

        public NtStatus CreateDatagramSocket(ushort family, IHostSocketEvents events, out IHostDatagramSocket? socket)
        {
            _events = events; // one socket per stack
            NtStatus status = inner.CreateDatagramSocket(family, this, out socket);
            _socket = socket as LinuxHostDatagramSocket;
            return status;
        }

        public void OnReady(bool readable, bool writable, bool hangup)
        {
            if (readable)
            {
                Interlocked.Increment(ref _readable);
            }

            if (hangup)
            {
                _error.TrySetResult(); // a UDP socket's hangup is the loop's EPOLLERR
            }

            _events!.OnReady(readable, writable, hangup);
        }
    }
}
