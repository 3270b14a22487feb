using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using WskSharp.AspNetCore;
using WskSharp.Lab;
using WskSharp.Net;

namespace WskSharp.Tests.Net;

/// <summary>
/// HttpClient in one round trip: WskHttp's handler defers the first write of each new connection (the HTTP request) into
/// WskConnectEx's buffer, and Kestrel with UseWskFastOpen accepts it with the SYN. Evidence from both ends: the client's
/// Fast Open result (TCP_INFO on its socket: the SYN's data was acknowledged) and the server's (TCP_INFO on the socket
/// Kestrel accepted: TCPI_OPT_SYN_DATA), and, where tcpdump is installed, the wire (the SYN's TCP length is the request's).
/// In a network namespace of the test's own; needs root.
/// </summary>
public sealed class WskHttpTests(NamespaceFixture fixture) : IClassFixture<NamespaceFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(HttpResponseMessage Response, string Body, WskFastOpenResult FastOpen)> GetOnNewConnectionAsync(
        HttpClient client, Uri uri, ConcurrentQueue<WskConnection> connections)
    {
        int before = connections.Count;
        using var request = new HttpRequestMessage(HttpMethod.Get, uri) { Version = HttpVersion.Version11 };
        request.Headers.ConnectionClose = true; // one connection per request: each request is some connection's first write
        HttpResponseMessage response = await client.SendAsync(request, Ct);
        string body = await response.Content.ReadAsStringAsync(Ct);
        Assert.Equal(before + 1, connections.Count);
        return (response, body, connections.Last().FastOpen);
    }

    [Fact]
    public async Task The_second_request_rides_in_the_SYN_and_Kestrel_accepts_it_with_the_SYN()
    {
        NetworkNamespace ns = fixture.Require();
        await using KestrelInNamespace kestrel = await KestrelInNamespace.StartAsync(ns, fastOpen: true);
        using var provider = new WskNetProvider();
        var connections = new ConcurrentQueue<WskConnection>();
        using var client = new HttpClient(WskHttp.CreateHandler(new WskConnectOptions { NetworkNamespace = ns.Name, Provider = provider }, connections.Enqueue));
        ns.ForgetFastOpenCookies();
        using SynCapture? capture = SynCapture.TcpdumpPath is null ? null : await SynCapture.StartAsync(ns); // the wire's own account, where tcpdump is installed (tools/setup.sh installs it)

        var first = await GetOnNewConnectionAsync(client, new Uri(kestrel.Address, "/first"), connections);
        Assert.Equal(HttpStatusCode.OK, first.Response.StatusCode);
        Assert.Equal("hello from Kestrel, GET /first", first.Body);
        Assert.True(first.FastOpen.CookieRequested, first.FastOpen.ToString()); // no cookie yet: the request followed the handshake
        Assert.False(first.FastOpen.SynDataSent);
        Assert.Equal("no", first.Response.Headers.GetValues("X-Syn-Data").Single());

        var second = await GetOnNewConnectionAsync(client, new Uri(kestrel.Address, "/second"), connections);
        Assert.Equal(HttpStatusCode.OK, second.Response.StatusCode);
        Assert.Equal("hello from Kestrel, GET /second", second.Body);
        Assert.True(second.FastOpen.SynDataAcknowledged, second.FastOpen.ToString());
        Assert.True(second.FastOpen.BytesInSyn > "GET /second HTTP/1.1\r\n".Length, second.FastOpen.ToString());
        Assert.Equal(second.FastOpen.BytesSent, second.FastOpen.BytesInSyn); // the whole request was in the SYN
        Assert.Equal("yes", second.Response.Headers.GetValues("X-Syn-Data").Single()); // and Kestrel's kernel says it came with it

        if (capture is not null)
        {
            // On the wire: the first SYN to Kestrel asked for a cookie and carried nothing; the second carried the cookie and
            // exactly the request's bytes.
            await capture.StopAsync();
            string[] syns = [.. capture.Packets.Where(p => p.Contains($".{kestrel.Address.Port}: Flags [S],", StringComparison.Ordinal))];
            Assert.True(syns.Length == 2, $"expected 2 SYNs to port {kestrel.Address.Port}, saw:\n{string.Join('\n', capture.Packets)}");
            TestContext.Current.TestOutputHelper?.WriteLine(string.Join('\n', syns));
            Assert.Contains("cookiereq", syns[0], StringComparison.Ordinal);
            Assert.EndsWith("length 0", syns[0], StringComparison.Ordinal);
            Assert.Contains("tfo  cookie ", syns[1], StringComparison.Ordinal);
            Assert.EndsWith($"length {second.FastOpen.BytesInSyn}", syns[1], StringComparison.Ordinal);
        }

        first.Response.Dispose();
        second.Response.Dispose();
    }

    [Fact]
    public async Task Without_UseWskFastOpen_Kestrel_gives_no_cookie_and_no_request_rides_in_a_SYN()
    {
        NetworkNamespace ns = fixture.Require();
        await using KestrelInNamespace kestrel = await KestrelInNamespace.StartAsync(ns, fastOpen: false);
        using var provider = new WskNetProvider();
        var connections = new ConcurrentQueue<WskConnection>();
        using var client = new HttpClient(WskHttp.CreateHandler(new WskConnectOptions { NetworkNamespace = ns.Name, Provider = provider }, connections.Enqueue));
        ns.ForgetFastOpenCookies();

        for (int i = 0; i < 2; i++)
        {
            var result = await GetOnNewConnectionAsync(client, new Uri(kestrel.Address, $"/plain{i}"), connections);
            Assert.Equal($"hello from Kestrel, GET /plain{i}", result.Body);
            Assert.False(result.FastOpen.SynDataSent, result.FastOpen.ToString());
            Assert.Equal("no", result.Response.Headers.GetValues("X-Syn-Data").Single());
            result.Response.Dispose();
        }
    }

    [Fact]
    public async Task A_connection_is_reused_for_later_requests_and_its_reads_and_writes_go_to_the_WskConnection()
    {
        NetworkNamespace ns = fixture.Require();
        await using KestrelInNamespace kestrel = await KestrelInNamespace.StartAsync(ns, fastOpen: true);
        using var provider = new WskNetProvider();
        var connections = new ConcurrentQueue<WskConnection>();
        using var client = new HttpClient(WskHttp.CreateHandler(new WskConnectOptions { NetworkNamespace = ns.Name, Provider = provider }, connections.Enqueue));
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal($"hello from Kestrel, GET /keep{i}", await client.GetStringAsync(new Uri(kestrel.Address, $"/keep{i}"), Ct));
        }

        Assert.Single(connections);
        Assert.Equal(1, provider.OpenCount);
    }

    [Fact]
    public async Task A_refused_connection_surfaces_as_an_HttpRequestException_carrying_the_WskException()
    {
        NetworkNamespace ns = fixture.Require();
        using var provider = new WskNetProvider();
        using var client = new HttpClient(WskHttp.CreateHandler(new WskConnectOptions { NetworkNamespace = ns.Name, Provider = provider }));
        var ex = await Assert.ThrowsAsync<HttpRequestException>(async () => await client.GetAsync(new Uri("http://127.0.0.1:9/"), Ct));
        Exception? inner = ex;
        while (inner is not null and not WskException)
        {
            inner = inner.InnerException;
        }

        Assert.Equal(WskSharp.Nt.NtStatus.ConnectionRefused, Assert.IsType<WskException>(inner).Status);
    }

    [Fact]
    public async Task An_IHttpClientFactory_client_with_UseWskConnectEx_sends_its_second_request_in_the_SYN()
    {
        NetworkNamespace ns = fixture.Require();
        await using KestrelInNamespace kestrel = await KestrelInNamespace.StartAsync(ns, fastOpen: true);
        using var provider = new WskNetProvider();
        var services = new ServiceCollection();
        services.AddHttpClient("wsk").UseWskConnectEx(new WskConnectOptions { NetworkNamespace = ns.Name, Provider = provider });
        await using ServiceProvider container = services.BuildServiceProvider();
        HttpClient client = container.GetRequiredService<IHttpClientFactory>().CreateClient("wsk");
        ns.ForgetFastOpenCookies();

        var seen = new List<string>();
        for (int i = 0; i < 2; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(kestrel.Address, $"/factory{i}")) { Version = HttpVersion.Version11 };
            request.Headers.ConnectionClose = true;
            using HttpResponseMessage response = await client.SendAsync(request, Ct);
            Assert.Equal($"hello from Kestrel, GET /factory{i}", await response.Content.ReadAsStringAsync(Ct));
            seen.Add(response.Headers.GetValues("X-Syn-Data").Single());
        }

        // A plain SocketsHttpHandler never puts a request in a SYN (.NET's ConnectAsync then SendAsync): "yes" means WskConnectEx.
        Assert.Equal(["no", "yes"], seen);
    }
}
