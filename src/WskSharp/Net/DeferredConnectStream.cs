using System.Diagnostics;
using System.Net;
using System.Net.Http;

namespace WskSharp.Net;

/// <summary>
/// The stream <see cref="WskHttp"/> gives HttpClient: not connected until the first write, whose bytes become
/// WskConnectEx's buffer (so they ride in the SYN with Fast Open). A read before any write connects without data.
/// Once connected, reads and writes go straight to the <see cref="WskConnection"/>.
/// </summary>
/// <remarks>
/// SocketsHttpHandler connects inside its ConnectCallback, so its connect timeout and its error shape apply there; here the
/// connect runs inside the first write, where HttpClient gives neither: its writes carry no token (it cancels a request by
/// disposing the connection's stream). So this stream brings them along: disposing it cancels the pending connect IRP,
/// <paramref name="connectTimeout"/> bounds the connect, and a connect failure is the <see cref="HttpRequestException"/>
/// SocketsHttpHandler makes of a failed connect (HttpConnection lets an HttpRequestException from a write pass unchanged).
/// </remarks>
/// <param name="endPoint">The host and port asked for, for the messages.</param>
/// <param name="candidates">Its addresses, tried in turn.</param>
/// <param name="options">How to connect.</param>
/// <param name="connected">Called once the connection is established.</param>
/// <param name="connectTimeout">The handler's ConnectTimeout (<see cref="Timeout.InfiniteTimeSpan"/> for none).</param>
/// <param name="started">When the handler's connect step began (<see cref="Stopwatch.GetTimestamp"/>): the timeout counts
/// from there, as SocketsHttpHandler's covers name resolution and handshake together.</param>
internal sealed class DeferredConnectStream(DnsEndPoint endPoint, IPEndPoint[] candidates, WskConnectOptions options,
    Action<WskConnection>? connected, TimeSpan connectTimeout, long started) : ConnectionStream
{
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _disposal = new();
    private Task<WskConnection>? _connecting;
    private WskConnection? _connection;

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        => AsStreamResult(Volatile.Read(ref _connection) is { } connection ? connection.SendAsync(buffer, cancellationToken) : FirstWriteAsync(buffer, cancellationToken));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => AsStreamResult(Volatile.Read(ref _connection) is { } connection ? connection.ReceiveAsync(buffer, cancellationToken) : FirstReadAsync(buffer, cancellationToken));

    private async ValueTask FirstWriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        (Task<WskConnection> connecting, bool carriesData) = StartConnect(buffer, cancellationToken);
        WskConnection connection = await connecting.ConfigureAwait(false);
        if (!carriesData)
        {
            await connection.SendAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask<int> FirstReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        (Task<WskConnection> connecting, _) = StartConnect(default, cancellationToken);
        WskConnection connection = await connecting.ConfigureAwait(false);
        return await connection.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The connect, started by the first operation (with its bytes if it is a write); true if these bytes are its data.</summary>
    private (Task<WskConnection> Connecting, bool CarriesData) StartConnect(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(Disposed, this);
            if (_connecting is { } running)
            {
                return (running, false);
            }

            _connecting = ConnectAsync(data, _disposal.Token, cancellationToken);
            return (_connecting, true);
        }
    }

    private async Task<WskConnection> ConnectAsync(ReadOnlyMemory<byte> data, CancellationToken disposal, CancellationToken cancellationToken)
    {
        await Task.Yield(); // Not under the caller's lock: the WSK calls run after StartConnect has returned.
        WskConnection connection;
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, disposal))
        {
            if (connectTimeout != Timeout.InfiniteTimeSpan)
            {
                linked.CancelAfter(TimeSpan.FromTicks(Math.Max(0, (connectTimeout - Stopwatch.GetElapsedTime(started)).Ticks)));
            }

            try
            {
                connection = await WskConnection.ConnectAnyAsync(candidates, data, options, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (disposal.IsCancellationRequested)
            {
                // HttpClient disposes the stream to cancel the request (its Timeout, its token); it reports the cancellation.
                throw new ObjectDisposedException(nameof(DeferredConnectStream), "The stream was disposed while it connected: the connect was cancelled.");
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw ConnectTimedOut(ex);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw ConnectFailed(ex);
            }
        }

        lock (_lock)
        {
            if (Disposed)
            {
                connection.Dispose();
                throw new ObjectDisposedException(nameof(DeferredConnectStream));
            }

            Volatile.Write(ref _connection, connection);
        }

        connected?.Invoke(connection);
        return connection;
    }

    /// <summary>What SocketsHttpHandler throws for a failed connect: a connection error carrying the failure, which names the peer.</summary>
    private HttpRequestException ConnectFailed(Exception failure)
        => new(HttpRequestError.ConnectionError, $"{failure.Message} ({endPoint.Host}:{endPoint.Port})", failure);

    /// <summary>What SocketsHttpHandler throws when its ConnectTimeout expires: a cancellation whose inner exception is a
    /// <see cref="TimeoutException"/> (HttpClient's own shape for its Timeout).</summary>
    private TaskCanceledException ConnectTimedOut(OperationCanceledException cancelled)
        => new($"The connect to {endPoint.Host}:{endPoint.Port} was cancelled.",
            new TimeoutException($"A connection could not be established within the configured ConnectTimeout ({connectTimeout.TotalSeconds} s).", cancelled));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            WskConnection? connection;
            lock (_lock)
            {
                Disposed = true;
                connection = _connection;
            }

            // Outside the lock: cancelling the connect IRP may complete it, and run the connect's continuation, on this thread.
            _disposal.Cancel();
            _disposal.Dispose();
            connection?.Dispose();
        }

        base.Dispose(disposing);
    }
}
