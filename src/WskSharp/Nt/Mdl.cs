namespace WskSharp.Nt;

/// <summary>
/// A memory descriptor list entry: one run of caller-owned memory, linked through <see cref="Next"/> into a
/// chain. The caller owns the memory and keeps it alive (and unmoved, if it is native) until every request
/// that names it has completed; the provider reads or writes it only while such a request is pending.
/// </summary>
public sealed class Mdl
{
    /// <summary>Describes <paramref name="memory"/> (<c>IoAllocateMdl</c> + <c>MmBuildMdlForNonPagedPool</c>).</summary>
    public Mdl(Memory<byte> memory) => Memory = memory;

    /// <summary>Describes <paramref name="count"/> bytes of <paramref name="array"/> from <paramref name="offset"/>.</summary>
    public Mdl(byte[] array, int offset, int count) => Memory = new Memory<byte>(array, offset, count);

    /// <summary>Describes the whole of <paramref name="array"/>.</summary>
    public Mdl(byte[] array) => Memory = array;

    /// <summary>The memory described.</summary>
    public Memory<byte> Memory { get; set; }

    /// <summary><c>MmGetMdlByteCount</c>: the length of this entry.</summary>
    public int ByteCount => Memory.Length;

    /// <summary>The next entry in the chain, or null.</summary>
    public Mdl? Next { get; set; }

    /// <summary>How many links the cursors of requests over this chain (this entry its head) have moved across: what shows
    /// that a request over a long chain walks it once, not once per segment (<see cref="MdlCursor"/>).</summary>
    internal long LinksWalked { get; set; }

    /// <summary>Builds a chain of entries over <paramref name="parts"/>, in order; null for none.</summary>
    public static Mdl? Chain(params ReadOnlySpan<Memory<byte>> parts)
    {
        Mdl? head = null, tail = null;
        foreach (Memory<byte> part in parts)
        {
            var mdl = new Mdl(part);
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

        return head;
    }
}
