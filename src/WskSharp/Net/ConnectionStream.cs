using System.Buffers;
using System.Runtime.CompilerServices;

namespace WskSharp.Net;

/// <summary>
/// What every stream over a connection shares: no seeking and no length, nothing buffered to flush, array and
/// synchronous overloads that call the asynchronous memory ones (the real ones, which a subclass supplies).
/// </summary>
internal abstract class ConnectionStream : Stream
{
    /// <summary>Set once the stream is disposed; reads and writes are refused from then on.</summary>
    private protected bool Disposed { get; set; }

    public override bool CanRead => !Disposed;

    public override bool CanWrite => !Disposed;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException("A connection has no length.");

    public override long Position
    {
        get => throw new NotSupportedException("A connection has no position.");
        set => throw new NotSupportedException("A connection has no position.");
    }

    public abstract override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default);

    public abstract override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default);

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
        return Wait(ReadAsync(buffer.AsMemory(offset, count)));
    }

    public override int Read(Span<byte> buffer)
    {
        byte[] rented = ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            int n = Wait(ReadAsync(rented.AsMemory(0, buffer.Length)));
            rented.AsSpan(0, n).CopyTo(buffer);
            return n;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Wait(WriteAsync(buffer.AsMemory(offset, count)));
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        byte[] rented = ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            buffer.CopyTo(rented);
            Wait(WriteAsync(rented.AsMemory(0, buffer.Length)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Nothing is buffered here: every write is a WskSend (or the connect's buffer) that completes when the kernel
    /// has the bytes.</summary>
    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("A connection cannot seek.");

    public override void SetLength(long value) => throw new NotSupportedException("A connection has no length.");

    /// <summary>
    /// A receive as a stream reports it: a <see cref="WskException"/> (a <see cref="System.Net.Sockets.SocketException"/>)
    /// becomes the <see cref="IOException"/> stream readers expect, with the <see cref="WskException"/> inside, as
    /// <see cref="System.Net.Sockets.NetworkStream"/> does. Nothing is added on the path that succeeds at once.
    /// </summary>
    protected static ValueTask<int> AsStreamResult(ValueTask<int> operation) => operation.IsCompletedSuccessfully ? operation : WrapAsync(operation);

    /// <inheritdoc cref="AsStreamResult(ValueTask{int})"/>
    protected static ValueTask AsStreamResult(ValueTask operation) => operation.IsCompletedSuccessfully ? operation : WrapAsync(operation);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<int> WrapAsync(ValueTask<int> operation)
    {
        try
        {
            return await operation.ConfigureAwait(false);
        }
        catch (WskException ex)
        {
            throw new IOException(ex.Message, ex);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask WrapAsync(ValueTask operation)
    {
        try
        {
            await operation.ConfigureAwait(false);
        }
        catch (WskException ex)
        {
            throw new IOException(ex.Message, ex);
        }
    }

    private static int Wait(ValueTask<int> task) => task.IsCompletedSuccessfully ? task.Result : task.AsTask().GetAwaiter().GetResult();

    private static void Wait(ValueTask task)
    {
        if (task.IsCompletedSuccessfully)
        {
            task.GetAwaiter().GetResult();
        }
        else
        {
            task.AsTask().GetAwaiter().GetResult();
        }
    }
}
