using System.Runtime.CompilerServices;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Tests.Net;
using WskSharp.Wsk;

namespace WskSharp.Tests.Wsk;

/// <summary>
/// A steady stream of datagrams through WskSendTo and WskReceiveFrom allocates nothing: the caller reuses its IRPs, MDLs and
/// result boxes, and the engine pools its request parameters; nor does one through WskReceiveFromEvent (held datagrams and
/// their indications are pooled). Measured on the calling thread, on Linux loopback, where a
/// datagram is in the receiver's queue when its send returns, so both calls complete inline.
/// </summary>
[Collection(nameof(ProcessWideCollection))]
public sealed class DatagramAllocationTests
{
    [Fact]
    public void WskSendTo_and_WskReceiveFrom_in_steady_state_allocate_zero_bytes_per_datagram()
    {
        using var client = new WskTestClient();
        WskSocket a = Bound(client, out _);
        WskSocket b = Bound(client, out SockAddr bAddress);
        var table = (WskProviderDatagramDispatch)a.Dispatch;
        var sendIrp = new Irp();
        var receiveIrp = new Irp();
        var send = new WskBuf(new Mdl(new byte[64]));
        var receive = new WskBuf(new Mdl(new byte[2048]));
        var from = new StrongBox<SockAddr>();
        var controlLength = new StrongBox<uint>();
        var flags = new StrongBox<uint>();
        byte[] control = new byte[64];
        const int rounds = 200;

        long allocated = 0;
        int failures = 0; // counted, not asserted, inside the measured loop: xunit's Assert allocates
        for (int pass = 0; pass < 2; pass++) // the first pass warms up (JIT, tiering, the engine's pools); the second is measured
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < rounds; i++)
            {
                failures += table.WskSendTo(a, send, 0, bAddress, 0, default, sendIrp) == NtStatus.Success ? 0 : 1;
                controlLength.Value = (uint)control.Length;
                failures += table.WskReceiveFrom(b, receive, 0, from, controlLength, control, flags, receiveIrp) == NtStatus.Success
                    && receiveIrp.IoStatus.Information == 64 ? 0 : 1;
            }

            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Assert.Equal(0, failures);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void WskReceiveFromEvent_in_steady_state_allocates_zero_bytes_per_datagram_on_the_delivering_thread()
    {
        // A datagram is indicated by the event loop's thread (readable, then its delivery pass), or by a pool thread whose
        // pass was still going round when the loop asked (one deliverer at a time). The callback notes its thread's
        // allocation count: between two callbacks on the loop's thread the difference is all that thread allocated in
        // between: readiness reports, receives into held memory, indication lists.
        const int warmUp = 300, rounds = 300;
        long[] allocated = new long[warmUp + rounds];
        bool[] onLoop = new bool[warmUp + rounds];
        int calls = 0;
        using var indicated = new SemaphoreSlim(0);
        var dispatch = new WskClientDatagramDispatch((_, _, indication) =>
        {
            int n = calls++;
            if (n < allocated.Length && indication is not null)
            {
                allocated[n] = GC.GetAllocatedBytesForCurrentThread();
                onLoop[n] = Thread.CurrentThread.Name?.StartsWith("WskSharp epoll", StringComparison.Ordinal) == true;
            }

            indicated.Release();
            return NtStatus.Success;
        });
        using var client = new WskTestClient();
        WskSocket a = Bound(client, out _);
        WskSocket b = Bound(client, out SockAddr bAddress, dispatch);
        Assert.Equal(NtStatus.Success, WskEvents.Enable(b, WskConstants.WSK_EVENT_RECEIVE_FROM));
        var table = (WskProviderDatagramDispatch)a.Dispatch;
        var sendIrp = new Irp();
        var send = new WskBuf(new Mdl(new byte[64]));

        for (int i = 0; i < warmUp + rounds; i++)
        {
            Assert.Equal(NtStatus.Success, table.WskSendTo(a, send, 0, bAddress, 0, default, sendIrp));
            Assert.True(indicated.Wait(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken));
        }

        long between = 0;
        int pairs = 0;
        for (int i = warmUp, previous = -1; i < allocated.Length; i++)
        {
            if (onLoop[i])
            {
                between += previous >= 0 ? allocated[i] - allocated[previous] : 0;
                pairs += previous >= 0 ? 1 : 0;
                previous = i;
            }
        }

        Assert.True(pairs >= rounds / 2, $"only {pairs} of {rounds} indications came one after the other from the loop's thread");
        Assert.Equal(0, between);
    }

    [Fact]
    public void WskDatagramSocket_SendToAsync_and_ReceiveFromAsync_in_steady_state_allocate_zero_bytes_per_datagram()
    {
        using var provider = new WskSharp.Net.WskNetProvider();
        using var a = WskSharp.Net.WskDatagramSocket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0), provider);
        using var b = WskSharp.Net.WskDatagramSocket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0), provider);
        SockAddr to = SockAddr.FromEndPoint(b.LocalEndPoint);
        byte[] send = new byte[64];
        byte[] receive = new byte[2048];
        var from = new StrongBox<SockAddr>();
        const int rounds = 200;
        CancellationToken ct = TestContext.Current.CancellationToken; // a request that completes inline registers nothing on it

        long allocated = 0;
        int failures = 0;
#pragma warning disable CA2012, xUnit1031 // Each ValueTask is checked complete, then read once, synchronously: an await could move the loop to another thread and out of the per-thread counter.
        for (int pass = 0; pass < 2; pass++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < rounds; i++)
            {
                ValueTask sent = a.SendToAsync(send, to, ct);
                failures += sent.IsCompleted ? 0 : 1;
                sent.GetAwaiter().GetResult();
                ValueTask<int> received = b.ReceiveFromAsync(receive, from, ct);
                failures += received.IsCompleted ? 0 : 1; // loopback: the datagram is queued when its send returns
                failures += received.GetAwaiter().GetResult() == 64 ? 0 : 1;
            }

            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }
#pragma warning restore CA2012, xUnit1031

        Assert.Equal(0, failures);
        Assert.Equal(0, allocated);
    }

    private static WskSocket Bound(WskTestClient client, out SockAddr address, object? dispatch = null)
    {
        var irp = new Irp();
        Assert.Equal(NtStatus.Success, client.Npi.Dispatch.WskSocket(client.Npi.Client, Ws2Def.AF_INET, Ws2Def.SOCK_DGRAM, Ws2Def.IPPROTO_UDP,
            WskConstants.WSK_FLAG_DATAGRAM_SOCKET, null, dispatch, null, null, null, irp));
        WskSocket socket = client.Track((WskSocket)irp.IoStatus.Pointer!);
        var table = (WskProviderDatagramDispatch)socket.Dispatch;
        Assert.Equal(NtStatus.Success, table.WskBind(socket, WskTestClient.Loopback(Ws2Def.AF_INET, 0), 0, new Irp()));
        Assert.Equal(NtStatus.Success, table.WskGetLocalAddress(socket, out address, new Irp()));
        return socket;
    }
}
