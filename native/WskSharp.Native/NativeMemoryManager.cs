using System.Buffers;

namespace WskSharp.Native;

/// <summary>A <see cref="Memory{T}"/> over memory a C MDL describes, with no copy. Re-pointed for each request, so the
/// managed MDL that uses it is reused and nothing is allocated per call.</summary>
internal sealed unsafe class NativeMemoryManager : MemoryManager<byte>
{
    private byte* _pointer;
    private int _length;

    /// <summary>Points the manager at <paramref name="length"/> bytes at <paramref name="pointer"/>.</summary>
    public void Reset(byte* pointer, int length)
    {
        _pointer = pointer;
        _length = length;
    }

    public override Span<byte> GetSpan() => new(_pointer, _length);

    // The memory is the client's, locked for the request's life (MmProbeAndLockPages or nonpaged pool): never moves.
    public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }
}
