using System.Buffers.Binary;

namespace WskSharp.FastOpen;

/// <summary>
/// What happened to Fast Open on a socket's WskConnectEx (a WskSharp extension: Windows has no such report).
/// Read it with the WSK layer's <c>WskFastOpen.QueryReport</c>, or with <c>WskControlSocket(WskIoctl,
/// SIO_WSKSHARP_FASTOPEN_REPORT)</c> into <see cref="Size"/> bytes.
/// </summary>
/// <param name="Flags">What was tried and seen.</param>
/// <param name="BytesInSyn">Bytes the kernel put into the SYN (0 when the SYN carried none), whether or not they reached the
/// server: when the SYN was lost they were sent again after the handshake (see <see cref="SynDataAcknowledged"/>).</param>
/// <param name="BytesSent">Bytes of the WskConnectEx buffer sent in all (in the SYN and after the handshake).</param>
/// <param name="FailReason">The kernel's reason when SYN data was not sent or not acknowledged.</param>
/// <param name="SkippedUntil">When the adaptive memory held SYN data back from this destination: until when.</param>
public readonly record struct WskFastOpenReport(WskFastOpenFlags Flags, uint BytesInSyn, uint BytesSent, WskFastOpenFailReason FailReason,
    DateTimeOffset? SkippedUntil = null)
{
    /// <summary>The size of the binary form written by the control code.</summary>
    public const int Size = 24;

    /// <summary>True when the SYN carried data (a cookie was cached and the kernel took bytes for the SYN).</summary>
    public bool SynDataSent => (Flags & WskFastOpenFlags.SynDataSent) != 0;

    /// <summary>True when the peer acknowledged the SYN's data (<c>TCPI_OPT_SYN_DATA</c>).</summary>
    public bool SynDataAcknowledged => (Flags & WskFastOpenFlags.SynDataAcknowledged) != 0;

    /// <summary>True when Fast Open was asked for but not used on purpose (mode off, or the destination's backoff).</summary>
    public bool Skipped => (Flags & WskFastOpenFlags.SkippedByPolicy) != 0;

    /// <summary>Writes the binary form: flags, bytes in SYN, bytes sent (u32 little-endian each), the fail reason byte,
    /// three reserved bytes, then the end of the skip as Unix milliseconds (u64, 0 = none).</summary>
    public int WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            return 0;
        }

        destination[..Size].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)Flags);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], BytesInSyn);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], BytesSent);
        destination[12] = (byte)FailReason;
        BinaryPrimitives.WriteInt64LittleEndian(destination[16..], SkippedUntil?.ToUnixTimeMilliseconds() ?? 0);
        return Size;
    }

    /// <summary>Reads the binary form written by <see cref="WriteTo"/>.</summary>
    /// <exception cref="ArgumentException">Fewer than <see cref="Size"/> bytes.</exception>
    public static WskFastOpenReport Read(ReadOnlySpan<byte> source)
    {
        if (source.Length < Size)
        {
            throw new ArgumentException($"A Fast Open report is {Size} bytes.", nameof(source));
        }

        return new WskFastOpenReport(
            (WskFastOpenFlags)BinaryPrimitives.ReadUInt32LittleEndian(source),
            BinaryPrimitives.ReadUInt32LittleEndian(source[4..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[8..]),
            (WskFastOpenFailReason)source[12],
            BinaryPrimitives.ReadInt64LittleEndian(source[16..]) is var ms and not 0 ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null);
    }

    /// <summary>A one-line account, e.g. <c>SYN data 64 B, acknowledged; 64 B sent</c>.</summary>
    public override string ToString()
    {
        if ((Flags & WskFastOpenFlags.Requested) == 0)
        {
            return $"Fast Open not requested; {BytesSent} B sent after the handshake";
        }

        if (Skipped)
        {
            string until = SkippedUntil is { } u ? $"this destination drops SYN data, held back until {u:u}" : "Fast Open is off for this provider";
            return $"Fast Open skipped on purpose ({until}); {BytesSent} B sent after the handshake";
        }

        string syn = SynDataSent
            ? $"SYN data {BytesInSyn} B, {(SynDataAcknowledged ? "acknowledged" : "not acknowledged")}"
            : (Flags & WskFastOpenFlags.CookieRequested) != 0 ? "no cookie yet: SYN asked for one, no data in it" : "no SYN data";
        string why = FailReason == WskFastOpenFailReason.None ? "" : $" ({FailReason})";
        return $"{syn}{why}; {BytesSent} B sent";
    }
}

/// <summary>Flags of a <see cref="WskFastOpenReport"/>.</summary>
[Flags]
public enum WskFastOpenFlags : uint
{
    /// <summary>Nothing known (no WskConnectEx has completed on the socket).</summary>
    None = 0,

    /// <summary>The socket had TCP_FASTOPEN set and WskConnectEx had a buffer, so Fast Open was tried.</summary>
    Requested = 0x1,

    /// <summary>No cookie was cached: the SYN carried a cookie request and no data.</summary>
    CookieRequested = 0x2,

    /// <summary>The SYN carried data.</summary>
    SynDataSent = 0x4,

    /// <summary>The peer acknowledged the SYN's data.</summary>
    SynDataAcknowledged = 0x8,

    /// <summary>The handshake finished and the report is final.</summary>
    Completed = 0x10,

    /// <summary>Fast Open was asked for but not used on purpose: the provider's mode is off, or the adaptive memory holds
    /// SYN data back from this destination (see <see cref="WskFastOpenReport.SkippedUntil"/>).</summary>
    SkippedByPolicy = 0x20,

    /// <summary>The destination's backoff had ended and this connection probed its path with SYN data.</summary>
    Probe = 0x40,
}

/// <summary>The kernel's reason, <c>tcpi_fastopen_client_fail</c>.</summary>
public enum WskFastOpenFailReason : byte
{
    /// <summary>No failure recorded (or unspecified).</summary>
    None = 0,

    /// <summary>No cookie was cached: a cookie was requested and no data sent in the SYN.</summary>
    NoCookie = 1,

    /// <summary>The server did not acknowledge the SYN's data (it was sent again after the handshake).</summary>
    DataNotAcknowledged = 2,

    /// <summary>The SYN carrying data was retransmitted: it was lost (or dropped on the path) and the kernel fell back.</summary>
    SynRetransmitted = 3,
}
