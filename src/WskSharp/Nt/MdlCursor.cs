namespace WskSharp.Nt;

/// <summary>
/// A position in an MDL chain that only moves forward: a request keeps one and walks its chain once, however many
/// segments it is sent or received in (finding each segment from the head made a send over 65,536 one-byte MDLs
/// quadratic). The chain was validated when the request was taken, so the cursor cannot run off its end.
/// </summary>
internal struct MdlCursor
{
    private readonly Mdl? _head;
    private Mdl? _current;
    private int _offset; // into _current

    /// <summary>A cursor <paramref name="offset"/> bytes into <paramref name="head"/>.</summary>
    public MdlCursor(Mdl? head, int offset)
    {
        _head = head;
        _current = head;
        _offset = offset;
        SkipExhausted();
    }

    /// <summary>The contiguous run at the cursor, at most <paramref name="remaining"/> bytes (empty at the chain's end).</summary>
    public readonly Memory<byte> Run(int remaining)
    {
        if (_current is null || remaining <= 0)
        {
            return Memory<byte>.Empty;
        }

        Memory<byte> run = _current.Memory[_offset..];
        return run.Length > remaining ? run[..remaining] : run;
    }

    /// <summary>Moves the cursor <paramref name="count"/> bytes on.</summary>
    public void Advance(int count)
    {
        _offset += count;
        SkipExhausted();
    }

    /// <summary>Copies bytes from the cursor into <paramref name="destination"/> (as many as fit, or to the chain's end)
    /// and moves past them; returns how many.</summary>
    public int Gather(Span<byte> destination)
    {
        int done = 0;
        while (done < destination.Length && Run(destination.Length - done) is { IsEmpty: false } run)
        {
            run.Span.CopyTo(destination[done..]);
            done += run.Length;
            Advance(run.Length);
        }

        return done;
    }

    /// <summary>Copies bytes from the cursor into <paramref name="destination"/> (as many as fit, or to the chain's end)
    /// without moving (a send gathers short runs, then moves by what the kernel took); returns how many. The look-ahead is
    /// bounded by the destination, so it never adds up to a second walk of the chain.</summary>
    public readonly int Peek(Span<byte> destination)
    {
        int done = 0;
        int offset = _offset;
        for (Mdl? mdl = _current; mdl is not null && done < destination.Length; mdl = mdl.Next, offset = 0)
        {
            int n = Math.Min(mdl.ByteCount - offset, destination.Length - done);
            mdl.Memory.Span.Slice(offset, n).CopyTo(destination[done..]);
            done += n;
        }

        return done;
    }

    /// <summary>Copies <paramref name="source"/> into the chain from the cursor (at most to the chain's end) and moves past
    /// what it wrote; returns how many bytes.</summary>
    public int Scatter(ReadOnlySpan<byte> source)
    {
        int done = 0;
        while (done < source.Length && Run(source.Length - done) is { IsEmpty: false } run)
        {
            source.Slice(done, run.Length).CopyTo(run.Span);
            done += run.Length;
            Advance(run.Length);
        }

        return done;
    }

    private void SkipExhausted()
    {
        while (_current is { Next: { } next } && _offset >= _current.ByteCount)
        {
            _offset -= _current.ByteCount;
            _current = next;
            _head!.LinksWalked++;
        }
    }
}
