using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Native;

/// <summary>
/// The managed MDL chain that stands for a C MDL chain during one request: one reusable <see cref="Mdl"/> per C MDL,
/// each over the C memory (StartVa + ByteOffset, ByteCount) without a copy. Kept by the request's IRP, so the steady
/// state (the same IRP resubmitted) allocates nothing.
/// </summary>
internal sealed unsafe class NativeMdlChain
{
    // A chain no caller means (or a cycle) is cut here; the WSK layer then finds the WSK_BUF longer than its chain.
    private const int MaxEntries = 4096;

    private readonly List<(Mdl Mdl, NativeMemoryManager Memory)> _entries = [];

    // The C MDLs of the current request that IoAllocateMdl made: counted in use until the request completes.
    private readonly List<nint> _counted = [];

    /// <summary>The managed WSK_BUF for <paramref name="buffer"/>; null for a null pointer.</summary>
    public WskBuf? Map(CWskBuf* buffer)
    {
        if (buffer is null)
        {
            return null;
        }

        Uncount(); // A request refused before the WSK layer took it never reached Release.
        Mdl? head = null, tail = null;
        int index = 0;
        for (CMdl* c = buffer->Mdl; c is not null && index < MaxEntries; c = c->Next, index++)
        {
            CountIn(c);
            if (index == _entries.Count)
            {
                var memory = new NativeMemoryManager();
                _entries.Add((new Mdl(Memory<byte>.Empty), memory));
            }

            (Mdl mdl, NativeMemoryManager manager) = _entries[index];
            manager.Reset((byte*)c->StartVa + c->ByteOffset, (int)Math.Min(c->ByteCount, int.MaxValue));
            mdl.Memory = manager.Memory;
            mdl.Next = null;
            if (tail is null)
            {
                head = mdl;
            }
            else
            {
                tail.Next = mdl;
            }

            tail = mdl;
        }

        return new WskBuf(head, buffer->Offset, buffer->Length);
    }

    /// <summary>Lets go of the client's memory once the request has completed.</summary>
    public void Release()
    {
        Uncount();
        foreach ((Mdl mdl, NativeMemoryManager manager) in _entries)
        {
            manager.Reset(null, 0);
            mdl.Memory = Memory<byte>.Empty;
            mdl.Next = null;
        }
    }

    private void CountIn(CMdl* c)
    {
        if ((c->MdlFlags & CMdl.AllocatedFixedSize) == 0)
        {
            return; // The driver's own MDL (MmInitializeMdl): no header before it.
        }

        var header = (CMdlHeader*)c - 1;
        if (header->HeaderMagic == CMdlHeader.Magic)
        {
            Interlocked.Increment(ref header->InUse);
            _counted.Add((nint)header);
        }
    }

    private void Uncount()
    {
        foreach (nint header in _counted)
        {
            Interlocked.Decrement(ref ((CMdlHeader*)header)->InUse);
        }

        _counted.Clear();
    }
}
