using System.Net;
using WskSharp.FastOpen;
using WskSharp.Lab;
using WskSharp.Net;
using WskSharp.Tests.WireProof;
using WskSharp.Wsk;

namespace WskSharp.Tests.Net;

/// <summary>
/// The adaptive Fast Open policy as a .NET developer meets it: a WskNetProvider configured through WskProviderOptions,
/// WskConnection to a lab server whose SYN data is dropped. The first Fast Open attempt pays the kernel's fallback; the
/// connections after it skip Fast Open and say why and until when; the memory is the core's, read through the same calls.
/// </summary>
public sealed class NetBlackholePolicyTests(BlackholeLabFixture fixture) : IClassFixture<BlackholeLabFixture>
{
    [Fact]
    public async Task WskConnection_pays_the_fallback_once_then_skips_Fast_Open_and_says_why()
    {
        LabNetwork lab = fixture.Require();
        lab.Client.ForgetFastOpenCookies();
        await using FastOpenEchoServer server = FastOpenEchoServer.Start(lab.ServerAddress, lab.Server);
        using var provider = new WskNetProvider(new WskProviderOptions
        {
            NetworkNamespace = lab.Client.Name,
            FastOpenMode = WskFastOpenMode.Adaptive,
            FastOpenBackoffMinimum = TimeSpan.FromMinutes(5),
        });
        var options = new WskConnectOptions { Provider = provider, LocalEndPoint = new IPEndPoint(lab.ClientAddress, 0) };
        var results = new List<WskFastOpenResult>();
        for (int i = 0; i < 4; i++)
        {
            byte[] request = WireConnection.Bytes(64, 200 + i);
            await using WskConnection connection = await WskConnection.ConnectAsync(server.EndPoint, request, options, TestContext.Current.CancellationToken);
            byte[] reply = new byte[request.Length];
            int got = 0;
            while (got < reply.Length)
            {
                int n = await connection.ReceiveAsync(reply.AsMemory(got), TestContext.Current.CancellationToken);
                Assert.True(n > 0, "the echo ended early");
                got += n;
            }

            Assert.Equal(request, reply);
            results.Add(connection.FastOpen);
        }

        Assert.True(results[0].CookieRequested, results[0].ToString());
        Assert.True(results[1].SynDataSent, results[1].ToString());
        Assert.False(results[1].SynDataAcknowledged, results[1].ToString());
        Assert.Equal(WskFastOpenFailReason.SynRetransmitted, results[1].FailReason);
        Assert.All(results.Skip(2), r =>
        {
            Assert.True(r.Skipped, r.ToString());
            Assert.False(r.SynDataSent, r.ToString());
            Assert.True(r.SkippedUntil > DateTimeOffset.UtcNow, r.ToString());
        });
    }
}
