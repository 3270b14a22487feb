namespace WskSharp.Transport.Simulated;

/// <summary>A growable ring of bytes: a simulated socket's receive buffer.</summary>
internal sealed class SimulatedByteQueue
{
    private byte[] _ring = new byte[4096];
    private int _head;

    public int Count { get; private set; }

    public void Append(ReadOnlySpan<byte> data)
    {
        if (Count + data.Length > _ring.Length)
        {
            var larger = new byte[Math.Max(_ring.Length * 2, Count + data.Length)];
            Read(larger.AsSpan(0, Count), consume: false);
            _ring = larger;
            _head = 0;
        }

        int tail = (_head + Count) % _ring.Length;
        int first = Math.Min(data.Length, _ring.Length - tail);
        data[..first].CopyTo(_ring.AsSpan(tail));
        data[first..].CopyTo(_ring);
        Count += data.Length;
    }

    /// <summary>Copies up to <paramref name="destination"/>'s length out; returns how many.</summary>
    public int Read(Span<byte> destination, bool consume = true)
    {
        int n = Math.Min(destination.Length, Count);
        int first = Math.Min(n, _ring.Length - _head);
        _ring.AsSpan(_head, first).CopyTo(destination);
        _ring.AsSpan(0, n - first).CopyTo(destination[first..]);
        if (consume)
        {
            _head = (_head + n) % _ring.Length;
            Count -= n;
        }

        return n;
    }

    public void Clear()
    {
        _head = 0;
        Count = 0;
    }
}
