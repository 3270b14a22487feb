using CsCheck;
using WskSharp.Nt;
using WskSharp.Transport.Simulated;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Conformance;

/// <summary>
/// Random interleavings of WskSend, WskReceive (with and without WAITALL), graceful and abortive WskDisconnect, IoCancelIrp
/// and WskCloseSocket on the two ends of one connection, issued without waiting for one another, on the simulated network
/// with partial sends, EAGAIN storms and the odd reset, completions on the thread pool or (half the cases) on the network's
/// thread (CsCheck generates the operations and the network's seed, and
/// shrinks a failure to a short sequence). Whatever the order: every IRP completes exactly once with a status the
/// documentation allows; the bytes each end received, in the order of its receive requests, are exactly a prefix of the
/// bytes the other end's sends put out, in order (nothing lost in the middle, nothing duplicated); calls on a closed socket
/// get STATUS_INVALID_HANDLE; and at the end no simulated socket is open.
/// </summary>
[Collection(Reliability.ReliabilityCollection.Name)]
public sealed class InterleavingPropertyTests
{
    private enum Kind
    {
        Send,
        Receive,
        ReceiveAll,
        Disconnect,
        Abort,
        Cancel,
        Close,
    }

    private sealed record Op(int Side, Kind Kind, int Length)
    {
        public override string ToString() => $"{(Side == 0 ? "a" : "b")}.{Kind}({Length})";
    }

    private static readonly Gen<Op> GenOp =
        from side in Gen.Int[0, 1]
        from kind in Gen.Frequency(
            (10, Gen.Const(Kind.Send)),
            (8, Gen.Const(Kind.Receive)),
            (3, Gen.Const(Kind.ReceiveAll)),
            (1, Gen.Const(Kind.Disconnect)),
            (1, Gen.Const(Kind.Abort)),
            (3, Gen.Const(Kind.Cancel)),
            (1, Gen.Const(Kind.Close)))
        from length in Gen.Int[1, 40_000]
        select new Op(side, kind, length);

    private static readonly Gen<(int Seed, bool Resets, bool EventLoop, Op[] Ops)> Cases =
        from seed in Gen.Int
        from resets in Gen.Bool
        from eventLoop in Gen.Bool
        from ops in GenOp.Array[1, 40]
        select (seed, resets, eventLoop, ops);

    /// <summary>One IRP the sequence issued: which end, what, its buffer, and its probe.</summary>
    private sealed record Request(int Side, Kind Kind, byte[] Buffer, IrpProbe Probe, NtStatus Returned, bool AfterClose);

    [Fact]
    public async Task Any_interleaving_completes_every_IRP_once_and_delivers_an_exact_prefix_of_what_was_sent()
    {
        await Cases.SampleAsync(async c => await RunAsync(c.Seed, c.Resets, c.EventLoop, c.Ops), iter: 150, threads: 1, seed: null);
    }

    private static async Task RunAsync(int seed, bool resets, bool eventLoop, Op[] ops)
    {
        SimulatedFaultPlan faults = SimulatedFaultPlan.None.With(SimulatedFault.PartialSend, 0.3).With(SimulatedFault.EagainStorm, 0.1);
        if (resets)
        {
            faults = faults.With(SimulatedFault.ResetInTransfer, 0.5);
        }

        using var transport = TestTransport.Simulated(new SimulatedNetworkOptions { Seed = seed, ReceiveBufferSize = 16 * 1024, ResetWindow = 200_000, Faults = faults }, completeOnEventLoop: eventLoop);
        var requests = new List<Request>();
        using (WskTestClient client = transport.NewClient())
        using (WskTestClient server = transport.NewClient())
        {
            var (clientEnd, serverEnd) = await client.ConnectPairAsync(server);
            WskSocket[] ends = [clientEnd, serverEnd];
            bool[] closed = [false, false];
            var random = new Random(seed);
            foreach (Op op in ops)
            {
                WskSocket socket = ends[op.Side];
                var conn = WskTestClient.Connection(socket);
                var probe = new IrpProbe();
                byte[] buffer = new byte[op.Length];
                NtStatus returned;
                switch (op.Kind)
                {
                    case Kind.Send:
                    case Kind.Disconnect:
                        random.NextBytes(buffer);
                        returned = op.Kind == Kind.Send
                            ? conn.WskSend(socket, new WskBuf(new Mdl(buffer)), 0, probe.Irp)
                            : conn.WskDisconnect(socket, new WskBuf(new Mdl(buffer)), 0, probe.Irp);
                        break;
                    case Kind.Receive:
                    case Kind.ReceiveAll:
                        returned = conn.WskReceive(socket, new WskBuf(new Mdl(buffer)), op.Kind == Kind.ReceiveAll ? WskConstants.WSK_FLAG_WAITALL : 0, probe.Irp);
                        break;
                    case Kind.Abort:
                        returned = conn.WskDisconnect(socket, null, WskConstants.WSK_FLAG_ABORTIVE, probe.Irp);
                        break;
                    case Kind.Cancel:
                        // Cancels this end's most recent request that is still pending, if any: no IRP of its own.
                        requests.LastOrDefault(r => r.Side == op.Side && r.Probe.Irp.IsPending)?.Probe.Irp.Cancel();
                        continue;
                    default:
                        returned = conn.Basic.WskCloseSocket(socket, probe.Irp);
                        break;
                }

                requests.Add(new Request(op.Side, op.Kind, buffer, probe, returned, closed[op.Side]));
                if (op.Kind == Kind.Close && !closed[op.Side])
                {
                    Assert.Equal(NtStatus.Success, returned);
                    closed[op.Side] = true;
                }
            }

            // Whatever is still pending ends when the registrations close the sockets (cancelled), once.
        }

        string trace = string.Join(" ", ops.Select(o => o.ToString()));
        foreach (Request r in requests)
        {
            NtStatus final = r.Returned == NtStatus.Pending ? await r.Probe.WaitAsync() : r.Returned;
            Assert.True(r.Probe.Count == 1, $"{r.Side}.{r.Kind}: completed {r.Probe.Count} times; {trace}");
            Assert.True(final != NtStatus.Pending, trace);
            if (r.AfterClose)
            {
                Assert.True(final == NtStatus.InvalidHandle, $"{r.Side}.{r.Kind} after close: {final}; {trace}");
                continue;
            }

            Assert.True(Allowed(r.Kind).Contains(final), $"{r.Side}.{r.Kind}: {final}; {trace}");
        }

        // Bytes: each end's receives, in request order, form an exact prefix of the other end's sends, in request order.
        for (int side = 0; side < 2; side++)
        {
            var sent = new List<byte>();
            var received = new List<byte>();
            foreach (Request r in requests)
            {
                int n = (int)r.Probe.Irp.IoStatus.Information;
                if (r.Side == side && r.Kind is Kind.Send or Kind.Disconnect && !r.AfterClose)
                {
                    sent.AddRange(r.Buffer.AsSpan(0, n));
                }
                else if (r.Side != side && r.Kind is Kind.Receive or Kind.ReceiveAll && !r.AfterClose)
                {
                    received.AddRange(r.Buffer.AsSpan(0, n));
                }
            }

            Assert.True(received.Count <= sent.Count, $"end {1 - side} received {received.Count} B, {sent.Count} B were sent; {trace}");
            Assert.True(sent.Take(received.Count).SequenceEqual(received), $"end {1 - side} received bytes that are not a prefix of what was sent; {trace}");
        }

        Assert.Equal(0, await transport.SettleAsync(0));
        transport.AssertHealthy();
    }

    /// <summary>What each request may end with, whatever else happened on the connection.</summary>
    private static NtStatus[] Allowed(Kind kind) => kind switch
    {
        Kind.Close => [NtStatus.Success],
        Kind.Abort => [NtStatus.Success, NtStatus.FileForcedClosed, NtStatus.InvalidDeviceState],
        Kind.Receive or Kind.ReceiveAll => [NtStatus.Success, NtStatus.Cancelled, NtStatus.ConnectionReset, NtStatus.ConnectionAborted, NtStatus.FileForcedClosed],
        _ => [NtStatus.Success, NtStatus.Cancelled, NtStatus.ConnectionReset, NtStatus.ConnectionAborted, NtStatus.FileForcedClosed, NtStatus.InvalidDeviceState, NtStatus.ConnectionDisconnected],
    };
}
