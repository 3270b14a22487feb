using System.Collections.Concurrent;
using WskSharp.Internal;
using WskSharp.Nt;
using WskSharp.Transport;
using WskSharp.Transport.Linux;
using WskSharp.Ws2;

namespace WskSharp.Tests.Reliability;

/// <summary>
/// A datagram socket's receive-from events delivered on the thread pool (the pass that turning the event on asks for):
/// what the delivery throws is logged through the engine's logger and ends neither the process nor the socket. The WSK
/// layer catches what a client's callback throws; this is what is left, a fault of the sink itself, made here by a sink
/// that throws.
/// </summary>
public sealed class DatagramDeliveryFailureTests
{
    [Fact]
    public async Task An_exception_from_a_pool_thread_delivery_is_logged_and_the_socket_goes_on_indicating()
    {
        using var logs = new ListLoggerFactory();
        using LinuxHostStack stack = LinuxHostStack.Create(1, null);
        Assert.Equal(NtStatus.Success, DatagramEngine.Create(stack, Ws2Def.AF_INET, false, null, logs.CreateLogger("engine"), out DatagramEngine? created));
        DatagramEngine engine = created!;
        var sink = new ThrowingOnceSink();
        engine.EventSink = sink;
        Assert.Equal(NtStatus.Success, engine.Bind(SockAddr.Inet([127, 0, 0, 1], 0)));
        Assert.Equal(NtStatus.Success, engine.GetLocalAddress(out SockAddr address));
        Assert.Equal(NtStatus.Success, stack.CreateDatagramSocket(Ws2Def.AF_INET, new NoEvents(), out IHostDatagramSocket? sender));
        using IHostDatagramSocket peer = sender!;
        try
        {
            // On loopback the datagram is queued when its send returns: turning the event on delivers it on the thread pool.
            Assert.Equal(NtStatus.Success, peer.SendTo([1], address, default, withPacketInfo: false));
            Assert.Equal(NtStatus.Success, engine.EnableReceiveEvents());
            Assert.True(sink.Thrown.Wait(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken));

            // The socket goes on: the next datagram is indicated (the gate was left open), and what was thrown is in the log.
            Assert.Equal(NtStatus.Success, peer.SendTo([2], address, default, withPacketInfo: false));
            Assert.True(sink.Indicated.TryTake(out byte[]? next, TimeSpan.FromSeconds(20)));
            Assert.Equal(new byte[] { 2 }, next);
            Assert.Contains(logs.Entries, e => e.Id.Id == 120 && e.Exception is InvalidOperationException { Message: "sink fault" });
            Assert.Equal(SocketState.Bound, engine.State);
        }
        finally
        {
            engine.Close();
        }
    }

    /// <summary>Throws on its first list; records the first datagram of each list after.</summary>
    private sealed class ThrowingOnceSink : IDatagramEventSink
    {
        private int _calls;

        public ManualResetEventSlim Thrown { get; } = new();

        public BlockingCollection<byte[]> Indicated { get; } = new();

        public NtStatus OnReceiveFrom(HeldDatagram first)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                Thrown.Set();
                throw new InvalidOperationException("sink fault");
            }

            Indicated.Add(first.Buffer.AsSpan(0, first.Length).ToArray());
            return NtStatus.Success;
        }
    }

    private sealed class NoEvents : IHostSocketEvents
    {
        public void OnReady(bool readable, bool writable, bool hangup)
        {
        }
    }
}
