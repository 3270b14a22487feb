using WskSharp.Nt;
using WskSharp.Tests.Net;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Wsk;

/// <summary>
/// WskCloseSocket allocates nothing on the calling thread when no event callback of the socket runs: a close is part of
/// every connection's cycle (bench P3's connect cycle), so anything it made per call (a delegate for the client's socket
/// count, say) would be paid per connection.
/// </summary>
[Collection(nameof(ProcessWideCollection))]
public sealed class CloseAllocationTests
{
    private const int Sockets = 50;

    [Theory]
    [InlineData(WskConstants.WSK_FLAG_CONNECTION_SOCKET)]
    [InlineData(WskConstants.WSK_FLAG_DATAGRAM_SOCKET)]
    public void WskCloseSocket_of_a_bound_socket_allocates_nothing_on_the_calling_thread(uint category)
    {
        using var client = new WskTestClient();
        long allocated = 0;
        int failures = 0; // counted, not asserted, inside the measured loop: xunit's Assert allocates
        for (int pass = 0; pass < 2; pass++) // the first pass warms up (JIT, tiering); the second is measured
        {
            WskSocket[] sockets = new WskSocket[Sockets];
            Irp[] irps = new Irp[Sockets];
            for (int i = 0; i < Sockets; i++)
            {
                sockets[i] = Bound(client, category);
                irps[i] = new Irp();
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < Sockets; i++)
            {
                failures += ((WskProviderBasicDispatch)sockets[i].Dispatch).WskCloseSocket(sockets[i], irps[i]) == NtStatus.Success ? 0 : 1;
            }

            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Assert.Equal(0, failures);
        Assert.Equal(0, allocated);
    }

    private static WskSocket Bound(WskTestClient client, uint category)
    {
        if (category == WskConstants.WSK_FLAG_DATAGRAM_SOCKET)
        {
            return client.BoundDatagram(out _);
        }

        WskSocket socket = client.CreateSocket(Ws2Def.AF_INET, category, null, null);
        Assert.Equal(NtStatus.Success, WskTestClient.Connection(socket).WskBind(socket, WskTestClient.Loopback(Ws2Def.AF_INET, 0), 0, new Irp()));
        return socket;
    }
}
