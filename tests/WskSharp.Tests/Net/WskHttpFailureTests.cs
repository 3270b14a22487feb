using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using WskSharp.Lab;
using WskSharp.Net;

namespace WskSharp.Tests.Net;

/// <summary>
/// WskHttp's handler fails as SocketsHttpHandler does, side by side on the same peers: a refused connect is an
/// <see cref="HttpRequestException"/> with <see cref="HttpRequestError.ConnectionError"/> and a <see cref="SocketException"/>
/// in its chain; against a peer that never answers the SYN, HttpClient.Timeout, the request's token and the handler's
/// ConnectTimeout end the deferred connect with the exception SocketsHttpHandler gives, long before the kernel's ~127 s.
/// </summary>
public sealed class WskHttpFailureTests(SilentPeerFixture fixture) : IClassFixture<SilentPeerFixture>
{
    /// <summary>Far below the kernel's SYN retry limit (~127 s), far above a 1 s timeout: a hang guard, not a timing claim.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan Short = TimeSpan.FromSeconds(1);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Uri SilentUri => new($"http://{SilentPeerFixture.Address}:80/");

    [Fact]
    public async Task A_refused_connect_is_a_ConnectionError_with_the_SocketException_inside_as_with_SocketsHttpHandler()
    {
        // Bound and not listening: the kernel answers the SYN with a RST.
        using var refusing = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        refusing.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var uri = new Uri($"http://{refusing.LocalEndPoint}/");
        using var provider = new WskNetProvider();

        using var theirs = new HttpClient(new SocketsHttpHandler());
        using var ours = new HttpClient(WskHttp.CreateHandler(new WskConnectOptions { Provider = provider }));
        Exception expected = await FailureOfAsync(() => theirs.GetAsync(uri, Ct));
        Exception actual = await FailureOfAsync(() => ours.GetAsync(uri, Ct));

        var theirRequest = Assert.IsType<HttpRequestException>(expected);
        var ourRequest = Assert.IsType<HttpRequestException>(actual, exactMatch: false);
        Assert.Equal(HttpRequestError.ConnectionError, theirRequest.HttpRequestError);
        Assert.True(theirRequest.HttpRequestError == ourRequest.HttpRequestError, $"SocketsHttpHandler: {Chain(expected)}\nWskHttp: {Chain(actual)}");
        Assert.Equal(SocketError.ConnectionRefused, SocketErrorIn(expected));
        Assert.True(SocketErrorIn(actual) == SocketError.ConnectionRefused, $"no SocketException(ConnectionRefused) in {Chain(actual)}");
        Assert.Equal(0, provider.OpenCount);
    }

    [Fact]
    public async Task HttpClient_Timeout_ends_a_connect_to_a_silent_peer_as_with_SocketsHttpHandler_and_closes_the_socket()
    {
        NetworkNamespace ns = fixture.Require();
        using var provider = new WskNetProvider();
        using var theirs = new HttpClient(SocketsHandlerInside(ns)) { Timeout = Short };
        using var ours = new HttpClient(WskHttp.CreateHandler(new WskConnectOptions { NetworkNamespace = ns.Name, Provider = provider })) { Timeout = Short };

        Exception expected = await FailureOfAsync(() => theirs.GetAsync(SilentUri, Ct));
        Exception actual = await FailureOfAsync(() => ours.GetAsync(SilentUri, Ct));

        // HttpClient's own shape for its Timeout: a TaskCanceledException whose inner exception is a TimeoutException.
        Assert.IsType<TaskCanceledException>(expected);
        Assert.IsType<TimeoutException>(expected.InnerException);
        Assert.True(actual is TaskCanceledException { InnerException: TimeoutException }, $"SocketsHttpHandler: {Chain(expected)}\nWskHttp: {Chain(actual)}");
        Assert.Equal(0, provider.OpenCount); // The pending connect IRP was cancelled and its socket closed.
    }

    [Fact]
    public async Task Cancelling_the_request_ends_a_connect_to_a_silent_peer_as_with_SocketsHttpHandler_and_closes_the_socket()
    {
        NetworkNamespace ns = fixture.Require();
        using var provider = new WskNetProvider();
        using var theirs = new HttpClient(SocketsHandlerInside(ns));
        using var ours = new HttpClient(WskHttp.CreateHandler(new WskConnectOptions { NetworkNamespace = ns.Name, Provider = provider }));

        using (var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            cts.CancelAfter(Short);
            Exception expected = await FailureOfAsync(() => theirs.GetAsync(SilentUri, cts.Token));
            Assert.IsType<TaskCanceledException>(expected);
        }

        using (var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            cts.CancelAfter(Short);
            Exception actual = await FailureOfAsync(() => ours.GetAsync(SilentUri, cts.Token));
            var cancelled = Assert.IsType<TaskCanceledException>(actual, exactMatch: false);
            Assert.Equal(cts.Token, cancelled.CancellationToken);
        }

        Assert.Equal(0, provider.OpenCount);
    }

    [Fact]
    public async Task The_handler_s_ConnectTimeout_ends_a_connect_to_a_silent_peer_as_with_SocketsHttpHandler()
    {
        NetworkNamespace ns = fixture.Require();
        using var provider = new WskNetProvider();
        SocketsHttpHandler theirHandler = SocketsHandlerInside(ns);
        theirHandler.ConnectTimeout = Short;
        SocketsHttpHandler ourHandler = WskHttp.CreateHandler(new WskConnectOptions { NetworkNamespace = ns.Name, Provider = provider });
        ourHandler.ConnectTimeout = Short; // Set after CreateHandler, as a caller would: read when a connection is made.
        using var theirs = new HttpClient(theirHandler) { Timeout = Bound };
        using var ours = new HttpClient(ourHandler) { Timeout = Bound };

        Exception expected = await FailureOfAsync(() => theirs.GetAsync(SilentUri, Ct));
        Exception actual = await FailureOfAsync(() => ours.GetAsync(SilentUri, Ct));

        // SocketsHttpHandler's shape: a TaskCanceledException whose inner exception is a TimeoutException.
        Assert.IsType<TaskCanceledException>(expected);
        Assert.IsType<TimeoutException>(expected.InnerException);
        Assert.True(actual is TaskCanceledException { InnerException: TimeoutException }, $"SocketsHttpHandler: {Chain(expected)}\nWskHttp: {Chain(actual)}");
        Assert.False(((TaskCanceledException)actual).CancellationToken.IsCancellationRequested); // Not the request's token: the connect timed out.
        Assert.Equal(0, provider.OpenCount);
    }

    /// <summary>SocketsHttpHandler's default connect (a dual-mode socket, NoDelay, ConnectAsync) with the socket made inside
    /// <paramref name="ns"/>, where the silent peer is.</summary>
    private static SocketsHttpHandler SocketsHandlerInside(NetworkNamespace ns) => new()
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            Socket socket = ns.RunInside(() => new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true });
            try
            {
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    /// <summary>The exception <paramref name="request"/> fails with, within <see cref="Bound"/>.</summary>
    private static async Task<Exception> FailureOfAsync(Func<Task> request)
    {
        Task task = request();
        try
        {
            await task.WaitAsync(Bound, Ct); // A hang guard: the request ends on its own (timeout, refusal) long before it.
        }
        catch (Exception) when (task.IsCompleted)
        {
            // The request's own failure: read below.
        }

        Assert.True(task.IsCompleted, $"the request was still pending after {Bound.TotalSeconds} s");
        return await Record.ExceptionAsync(() => task) ?? throw new Xunit.Sdk.XunitException("the request succeeded");
    }

    private static SocketError? SocketErrorIn(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is SocketException socketException)
            {
                return socketException.SocketErrorCode;
            }
        }

        return null;
    }

    private static string Chain(Exception exception)
    {
        var parts = new List<string>();
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            parts.Add(e switch
            {
                HttpRequestException h => $"HttpRequestException({h.HttpRequestError}: {h.Message})",
                SocketException s => $"{s.GetType().Name}({s.SocketErrorCode})",
                _ => $"{e.GetType().Name}({e.Message})",
            });
        }

        return string.Join(" <- ", parts);
    }
}
