using System.IO.Pipelines;

namespace WskSharp.Net;

/// <summary><see cref="WskConnection.AsDuplexPipe"/>: a pipe reader and writer over the connection's stream, which stays open
/// when they complete.</summary>
internal sealed class WskDuplexPipe : IDuplexPipe
{
    public WskDuplexPipe(WskConnection connection, StreamPipeReaderOptions? readerOptions, StreamPipeWriterOptions? writerOptions)
    {
        Stream stream = connection.AsStream(leaveOpen: true);
        Input = PipeReader.Create(stream, WithLeaveOpen(readerOptions));
        Output = PipeWriter.Create(stream, WithLeaveOpen(writerOptions));
    }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    private static StreamPipeReaderOptions WithLeaveOpen(StreamPipeReaderOptions? o) => o is null
        ? new StreamPipeReaderOptions(leaveOpen: true)
        : new StreamPipeReaderOptions(o.Pool, o.BufferSize, o.MinimumReadSize, leaveOpen: true, o.UseZeroByteReads);

    private static StreamPipeWriterOptions WithLeaveOpen(StreamPipeWriterOptions? o) => o is null
        ? new StreamPipeWriterOptions(leaveOpen: true)
        : new StreamPipeWriterOptions(o.Pool, o.MinimumBufferSize, leaveOpen: true);
}
