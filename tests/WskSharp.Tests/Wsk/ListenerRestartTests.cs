using System.Globalization;
using System.Net;
using System.Net.Sockets;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Wsk;

/// <summary>
/// A driver that stops and restarts its listener gets its port back at once, as on Windows, though the connections it
/// closed first sit in TIME_WAIT on that port; two listeners on one port are still refused. The simulated network models
/// no TIME_WAIT (a closed socket frees its port at once), so this runs on the Linux kernel only.
/// </summary>
public sealed class ListenerRestartTests : IDisposable
{
    private readonly WskTestClient _client = new();

    [Fact]
    public async Task A_listener_rebinds_its_port_while_a_connection_it_closed_first_is_in_TIME_WAIT()
    {
        var (listener, address) = _client.CreateListener();
        Task<WskSocket> accepting = _client.AcceptAsync(listener);
        using (var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await peer.ConnectAsync(address.ToEndPoint(), TestContext.Current.CancellationToken);
            WskSocket accepted = await accepting;

            // The server closes first, so TIME_WAIT falls on the listener's port.
            Assert.Equal(NtStatus.Success, WskTestClient.Connection(accepted).Basic.WskCloseSocket(accepted, new Irp()));
            Assert.Equal(0, await peer.ReceiveAsync(new byte[1], SocketFlags.None, TestContext.Current.CancellationToken));
        }

        await WaitForTimeWaitAsync(address.Port);
        Assert.Equal(NtStatus.Success, ((WskProviderListenDispatch)listener.Dispatch).Basic.WskCloseSocket(listener, new Irp()));

        WskSocket again = _client.CreateSocket(Ws2Def.AF_INET, WskConstants.WSK_FLAG_LISTEN_SOCKET, null, null);
        var listen = (WskProviderListenDispatch)again.Dispatch;
        Assert.Equal(NtStatus.Success, listen.WskBind(again, address, 0, new Irp()));

        // Reuse of a TIME_WAIT port is not two listeners on one port: that stays refused.
        WskSocket second = _client.CreateSocket(Ws2Def.AF_INET, WskConstants.WSK_FLAG_LISTEN_SOCKET, null, null);
        Assert.Equal(NtStatus.AddressAlreadyAssociated, ((WskProviderListenDispatch)second.Dispatch).WskBind(second, address, 0, new Irp()));

        // And the new listener works.
        Task<WskSocket> next = _client.AcceptAsync(again);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(address.ToEndPoint(), TestContext.Current.CancellationToken);
        await next.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
    }

    /// <summary>Waits (for the kernel's state, not a fixed time) until a TIME_WAIT connection has <paramref name="port"/> as its
    /// local port in /proc/net/tcp.</summary>
    private static async Task WaitForTimeWaitAsync(ushort port)
    {
        string local = $":{port:X4}";
        for (int i = 0; i < 2000; i++)
        {
            foreach (string line in File.ReadLines("/proc/net/tcp").Skip(1))
            {
                string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields[1].EndsWith(local, StringComparison.Ordinal) && int.Parse(fields[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture) == 6)
                {
                    return;
                }
            }

            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.Fail($"No connection reached TIME_WAIT on port {port}.");
    }

    public void Dispose() => _client.Dispose();
}
