namespace WskSharp.Net;

/// <summary>
/// <see cref="WskConnection.AsStream"/>: a <see cref="Stream"/> whose reads are <see cref="WskConnection.ReceiveAsync"/> and
/// whose writes are <see cref="WskConnection.SendAsync"/>. The asynchronous methods are the real ones; the synchronous
/// ones wait for them.
/// </summary>
internal sealed class WskStream(WskConnection connection, bool leaveOpen) : ConnectionStream
{
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Disposed, this);
        return AsStreamResult(connection.ReceiveAsync(buffer, cancellationToken));
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Disposed, this);
        return AsStreamResult(connection.SendAsync(buffer, cancellationToken));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !Disposed)
        {
            Disposed = true;
            if (!leaveOpen)
            {
                connection.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}
