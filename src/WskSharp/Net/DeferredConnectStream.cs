using System.Net;

namespace WskSharp.Net;

/// <summary>
/// The stream <see cref="WskHttp"/> gives HttpClient: not connected until the first write, whose bytes become
/// WskConnectEx's buffer (so they ride in the SYN with Fast Open). A read before any write connects without data.
/// Once connected, reads and writes go straight to the <see cref="WskConnection"/>.
/// </summary>
internal sealed class DeferredConnectStream(IPEndPoint[] candidates, WskConnectOptions options, Action<WskConnection>? connected) : Stream
{
    private readonly Lock _lock = new();
    private Task<WskConnection>? _connecting;
    private WskConnection? _connection;
    private bool _disposed;

    public override bool CanRead => !_disposed;

    public override bool CanWrite => !_disposed;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException("A connection has no length.");

    public override long Position
    {
        get => throw new NotSupportedException("A connection has no position.");
        set => throw new NotSupportedException("A connection has no position.");
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        => Volatile.Read(ref _connection) is { } connection ? connection.SendAsync(buffer, cancellationToken) : FirstWriteAsync(buffer, cancellationToken);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => Volatile.Read(ref _connection) is { } connection ? connection.ReceiveAsync(buffer, cancellationToken) : FirstReadAsync(buffer, cancellationToken);

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
            ObjectDisposedException.ThrowIf(_disposed, this);
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
            if (_disposed)
            {
                connection.Dispose();
                throw new ObjectDisposedException(nameof(DeferredConnectStream));
            }

            Volatile.Write(ref _connection, connection);
        }

        connected?.Invoke(connection);
        return connection;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Nothing is buffered here: before the connection exists there is nothing to flush, after it every write is a WskSend.</summary>
    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("A connection cannot seek.");

    public override void SetLength(long value) => throw new NotSupportedException("A connection has no length.");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            WskConnection? connection;
            lock (_lock)
            {
                _disposed = true;
                connection = _connection;
            }

            connection?.Dispose();
        }

        base.Dispose(disposing);
    }

}
