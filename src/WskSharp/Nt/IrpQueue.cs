namespace WskSharp.Nt;

/// <summary>A FIFO of IRPs linked through <see cref="Irp.QueueNext"/> (<c>Tail.Overlay.ListEntry</c>): queuing costs no
/// allocation. Not thread-safe: its owner guards it (a socket's lock, or a batch's one thread).</summary>
internal struct IrpQueue
{
    private Irp? _head;
    private Irp? _tail;

    public readonly Irp? Head => _head;

    public readonly bool IsEmpty => _head is null;

    public void Enqueue(Irp irp)
    {
        irp.QueueNext = null;
        if (_tail is null)
        {
            _head = irp;
        }
        else
        {
            _tail.QueueNext = irp;
        }

        _tail = irp;
    }

    public Irp? Dequeue()
    {
        Irp? irp = _head;
        if (irp is not null)
        {
            _head = irp.QueueNext;
            if (_head is null)
            {
                _tail = null;
            }

            irp.QueueNext = null;
        }

        return irp;
    }

    /// <summary>Unlinks <paramref name="irp"/>; false if it is not queued here.</summary>
    public bool Remove(Irp irp)
    {
        Irp? previous = null;
        for (Irp? current = _head; current is not null; previous = current, current = current.QueueNext)
        {
            if (!ReferenceEquals(current, irp))
            {
                continue;
            }

            if (previous is null)
            {
                _head = current.QueueNext;
            }
            else
            {
                previous.QueueNext = current.QueueNext;
            }

            if (ReferenceEquals(_tail, current))
            {
                _tail = previous;
            }

            current.QueueNext = null;
            return true;
        }

        return false;
    }
}
