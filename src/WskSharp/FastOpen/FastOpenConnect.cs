using WskSharp.Nt;
using WskSharp.Transport;
using WskSharp.Ws2;

namespace WskSharp.FastOpen;

/// <summary>
/// The Fast Open of one WskConnectEx, from decision to report: whether the buffer rides in the SYN (the socket asked for
/// Fast Open, there is data, and the adaptive memory does not hold SYN data back from the destination), the attempt
/// (the buffer's first bytes handed to the host with the SYN), what the finished handshake says (acknowledged, the
/// kernel's fail reason), the outcome the memory learns, and the report a client reads. The stream engine keeps one as
/// a field and calls it under its lock; a struct, so a connect allocates nothing more for it.
/// </summary>
internal struct FastOpenConnect
{
    private const int SynGatherLimit = 2048;

    private WskFastOpenReport _report;
    private SockAddr _remote;

    /// <summary>The report of the last connect (what was tried and seen so far; final once the connect completes).</summary>
    public readonly WskFastOpenReport Report => _report;

    /// <summary>This connect put (or tried to put) its buffer in the SYN: the memory learns from it.</summary>
    private readonly bool Tried => (_report.Flags & (WskFastOpenFlags.Requested | WskFastOpenFlags.SkippedByPolicy)) == WskFastOpenFlags.Requested;

    /// <summary>Starts the report of a connect to <paramref name="remote"/> and decides whether its buffer goes in the SYN:
    /// <paramref name="requested"/> (TCP_FASTOPEN on and a buffer to send) unless <paramref name="memory"/> holds SYN data
    /// back from the destination.</summary>
    public bool Decide(in SockAddr remote, bool requested, FastOpenMemory? memory)
    {
        _remote = remote;
        bool fastOpen = requested;
        WskFastOpenFlags flags = fastOpen ? WskFastOpenFlags.Requested : WskFastOpenFlags.None;
        DateTimeOffset? skippedUntil = null;
        if (fastOpen && memory is not null)
        {
            switch (memory.Decide(remote, out skippedUntil))
            {
                case FastOpenMemory.Decision.Skip:
                    fastOpen = false; // This destination drops SYN data (or Fast Open is off): the buffer follows the handshake.
                    flags |= WskFastOpenFlags.SkippedByPolicy;
                    break;
                case FastOpenMemory.Decision.Probe:
                    flags |= WskFastOpenFlags.Probe;
                    break;
            }
        }

        _report = new WskFastOpenReport(flags, 0, 0, WskFastOpenFailReason.None, skippedUntil);
        return fastOpen;
    }

    /// <summary>Connects with the start of the IRP's buffer in the SYN: Pending (the handshake is in flight, with data in
    /// the SYN or with a cookie request and none), or the host's error. The IRP's progress and cursor move past what the
    /// SYN carries.</summary>
    public NtStatus Start(IHostSocket host, Irp irp)
    {
        ref IrpStackLocation stack = ref irp.Stack;
        Memory<byte> first = stack.Cursor.Run(stack.Length);
        NtStatus status;
        int queued;
        if (first.Length < stack.Length && first.Length < SynGatherLimit)
        {
            // A short first MDL would make a short SYN: gather what one SYN can carry from the chain.
            Span<byte> gathered = stackalloc byte[Math.Min(stack.Length, SynGatherLimit)];
            stack.Cursor.Peek(gathered);
            status = host.ConnectWithData(_remote, gathered, out queued);
        }
        else
        {
            status = host.ConnectWithData(_remote, first.Span, out queued);
        }

        if (status == NtStatus.Success && queued > 0)
        {
            stack.Progress = queued;
            stack.Cursor.Advance(queued);
            _report = _report with { Flags = _report.Flags | WskFastOpenFlags.SynDataSent, BytesInSyn = (uint)queued };
            return NtStatus.Pending; // The SYN is out with the data; the handshake is still in flight.
        }

        if (status == NtStatus.Success || status == NtStatus.Pending)
        {
            // No cookie cached: the SYN asks for one and carries nothing (the kernel says EINPROGRESS, or takes 0
            // bytes); the whole buffer goes after the handshake.
            _report = _report with { Flags = _report.Flags | WskFastOpenFlags.CookieRequested };
            return NtStatus.Pending;
        }

        return status;
    }

    /// <summary>The handshake finished: records what the host says of the SYN's data, and the outcome in the memory.</summary>
    public void Connected(IHostSocket host, FastOpenMemory? memory)
    {
        WskFastOpenFlags flags = _report.Flags | WskFastOpenFlags.Completed;
        if ((_report.Flags & WskFastOpenFlags.Requested) != 0 && host.GetFastOpenInfo(out HostFastOpenInfo info) == NtStatus.Success)
        {
            if (info.SynDataAcknowledged)
            {
                flags |= WskFastOpenFlags.SynDataAcknowledged;
            }

            _report = _report with { FailReason = (WskFastOpenFailReason)info.FailReason };
        }

        _report = _report with { Flags = flags };
        if (Tried)
        {
            memory?.Record(_remote, Outcome(_report));
        }
    }

    /// <summary>The connect request is done: on success the report records how much of its buffer went out; a failed
    /// attempt teaches the memory nothing of the path but that the connect failed.</summary>
    public void Done(NtStatus status, int bytesSent, FastOpenMemory? memory)
    {
        if (status == NtStatus.Success)
        {
            _report = _report with { BytesSent = (uint)bytesSent };
        }
        else if (Tried)
        {
            memory?.Record(_remote, WskFastOpenOutcome.ConnectFailed);
        }
    }

    /// <summary>What a finished Fast Open handshake tells the adaptive memory about the path.</summary>
    private static WskFastOpenOutcome Outcome(in WskFastOpenReport report) => report switch
    {
        { SynDataAcknowledged: true } => WskFastOpenOutcome.SynDataAcknowledged,
        { FailReason: WskFastOpenFailReason.SynRetransmitted } => WskFastOpenOutcome.SynRetransmitted,
        { FailReason: WskFastOpenFailReason.DataNotAcknowledged } => WskFastOpenOutcome.SynDataNotAcknowledged,
        { SynDataSent: true } => WskFastOpenOutcome.SynDataNotAcknowledged,
        _ when (report.Flags & WskFastOpenFlags.CookieRequested) != 0 => WskFastOpenOutcome.CookieRequested,
        _ => WskFastOpenOutcome.None,
    };
}
