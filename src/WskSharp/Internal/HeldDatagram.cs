using WskSharp.Nt;
using WskSharp.Ws2;

namespace WskSharp.Internal;

/// <summary>
/// A received datagram the engine holds in memory of its own: indicated to a receive-from event, kept by a client until
/// WskRelease, or refused by it and kept for the next WskReceiveFrom. Pooled by its engine with its buffer, its MDL and
/// the WSK layer's indication object, so a steady stream of indications allocates nothing.
/// </summary>
internal sealed class HeldDatagram
{
    /// <summary>The most a UDP datagram carries (IPv6's payload limit; IPv4's is smaller).</summary>
    public const int Capacity = 65_535;

    public HeldDatagram(DatagramEngine owner)
    {
        Owner = owner;
        Mdl = new Mdl(Buffer);
    }

    /// <summary>The engine whose pool this belongs to.</summary>
    public DatagramEngine Owner { get; }

    /// <summary>The datagram's bytes (the first <see cref="Length"/>).</summary>
    public byte[] Buffer { get; } = new byte[Capacity];

    /// <summary>An MDL over <see cref="Buffer"/>, for the indication's WSK_BUF.</summary>
    public Mdl Mdl { get; }

    /// <summary>The datagram's length.</summary>
    public int Length { get; set; }

    /// <summary>The sender.</summary>
    public SockAddr Remote { get; set; }

    /// <summary>Control data in the Windows layout (packet information), the first <see cref="ControlLength"/> bytes.</summary>
    public byte[] Control { get; } = new byte[WsaControlMessage.MaxPacketInfoSpace];

    /// <summary>Bytes of <see cref="Control"/> in use.</summary>
    public int ControlLength { get; set; }

    /// <summary>The host had more control data than it had room for (reported as MSG_CTRUNC if a WskReceiveFrom takes it).</summary>
    public bool ControlTruncated { get; set; }

    /// <summary>True from the indication until WskRelease (or until the event returns anything but STATUS_PENDING): a client may
    /// hand the indication to another thread that releases it before the callback has even returned.</summary>
    public bool HeldByClient { get; set; }

    /// <summary>True while the receive-from event whose list it is in runs.</summary>
    public bool InCallback { get; set; }

    /// <summary>WskRelease came while the event was still running: the memory returns once the event has returned.</summary>
    public bool ReleasedEarly { get; set; }

    /// <summary>The WSK layer's indication object for this datagram, made once and reused.</summary>
    public object? Indication { get; set; }

    /// <summary>The next datagram of the list indicated with this one, or of the engine's refused ones; null for the last.</summary>
    public HeldDatagram? Next { get; set; }

    /// <summary>Link for the engine's free list.</summary>
    public HeldDatagram? NextFree { get; set; }
}
