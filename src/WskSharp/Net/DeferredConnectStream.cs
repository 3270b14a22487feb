using System.Net;

namespace WskSharp.Net;

/// <summary>
/// The stream <see cref="WskHttp"/> gives HttpClient: not connected until the first write, whose bytes become
/// WskConnectEx's buffer (so they ride in the SYN with Fast Open). A read before any write connects without data.
/// Once connected, reads and writes go straight to the <see cref="WskConnection"/>.
/// </summary>
internal sealed class DeferredConnectStream(IPEndPoint[] candidates, WskConnectOptions options, Action<WskConnection>? connected) : ConnectionStream
{
    private readonly Lock _lock = new();
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

            _connecting = ConnectAsync(data, cancellationToken);
            return (_connecting, true);
        }
    }

    private async Task<WskConnection> ConnectAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await Task.Yield(); // Not under the caller's lock: the WSK calls run after StartConnect has returned.
        WskConnection connection = await WskConnection.ConnectAnyAsync(candidates, data, options, cancellationToken).ConfigureAwait(false);
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

            connection?.Dispose();
        }

        base.Dispose(disposing);
    }
}
