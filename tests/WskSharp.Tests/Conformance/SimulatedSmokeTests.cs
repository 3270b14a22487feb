using WskSharp.Nt;
using WskSharp.Wsk;

namespace WskSharp.Tests.Conformance;

public sealed class SimulatedSmokeTests
{
    [Fact]
    public async Task Connect_with_data_and_echo_on_the_simulated_network()
    {
        using var transport = TestTransport.Simulated();
        using (WskTestClient client = transport.NewClient())
        {
            var (listener, address) = client.CreateListener();
            Task<WskSocket> accepting = client.AcceptAsync(listener);
            WskSocket socket = await client.ConnectAsync(address, [1, 2, 3]);
            WskSocket server = await accepting;
            Assert.Equal(new byte[] { 1, 2, 3 }, await WskTestClient.ReceiveAsync(server, 3));
            await WskTestClient.SendAsync(server, [4, 5]);
            Assert.Equal(new byte[] { 4, 5 }, await WskTestClient.ReceiveAsync(socket, 2));
        }

        transport.AssertHealthy();
        Assert.Equal(0, await transport.SettleAsync(0));
    }
}
