using WskSharp.Nt;
using WskSharp.Ws2;

namespace WskSharp.Tests;

/// <summary>
/// An IRP prepared the way Wine's netio conformance tests prepare one: a sentinel in <c>IoStatus</c> and a completion
/// routine that counts its runs and records what it saw, so a test can assert "completed exactly once, with this".
/// </summary>
internal sealed class IrpProbe
{
    /// <summary>A status no call returns: still there after a call means the call never wrote the IRP.</summary>
    public static readonly NtStatus Sentinel = new(0xDEADBEEF);

    /// <summary>An <c>Information</c> value no call in these tests produces.</summary>
    public const nuint SentinelInformation = 0xBAD;

    /// <summary>An object no call returns in <c>Pointer</c>.</summary>
    public static readonly object SentinelPointer = new();

    private readonly NtStatus _routineResult;
    private int _count;
    private NtStatus _seenStatus;
    private nuint _seenInformation;

    /// <param name="routineResult">What the completion routine returns (the usual WSK pattern keeps the IRP).</param>
    public IrpProbe(NtStatus? routineResult = null)
    {
        _routineResult = routineResult ?? NtStatus.MoreProcessingRequired;
        Irp = new Irp();
        Irp.SetCompletionRoutine(static (irp, context) => ((IrpProbe)context!).OnCompleted(irp), this);
        Arm();
    }

    public Irp Irp { get; }

    /// <summary>How many times the completion routine has run.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>The status the completion routine saw in the IRP on its last run.</summary>
    public NtStatus SeenStatus => _seenStatus;

    /// <summary>The Information the completion routine saw on its last run.</summary>
    public nuint SeenInformation => _seenInformation;

    /// <summary>A WskReceive of <paramref name="size"/> bytes on <paramref name="socket"/> that must be left pending; its probe.</summary>
    public static IrpProbe PendingReceive(WskSharp.Wsk.WskSocket socket, int size = 100)
    {
        var probe = new IrpProbe();
        Assert.Equal(NtStatus.Pending, WskTestClient.Connection(socket).WskReceive(socket, new WskSharp.Ws2.WskBuf(new Mdl(new byte[size])), 0, probe.Irp));
        return probe;
    }

    /// <summary><c>IoReuseIrp</c> then <c>IoSetCompletionRoutine</c> again, as a driver does between two requests; sentinels back.</summary>
    public IrpProbe Reused()
    {
        Irp.Reuse(NtStatus.Success);
        Irp.SetCompletionRoutine(static (irp, context) => ((IrpProbe)context!).OnCompleted(irp), this);
        Arm();
        return this;
    }

    /// <summary>Puts the sentinels in <c>IoStatus</c> (only on an IRP that is not pending).</summary>
    public void Arm()
    {
        Irp.IoStatus.Status = Sentinel;
        Irp.IoStatus.Information = SentinelInformation;
        Irp.IoStatus.Pointer = SentinelPointer;
    }

    /// <summary>The IRP's final status, with a hang guard.</summary>
    public Task<NtStatus> WaitAsync() =>
        Irp.AsValueTask().AsTask().WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);

    private NtStatus OnCompleted(Irp irp)
    {
        _seenStatus = irp.IoStatus.Status;
        _seenInformation = irp.IoStatus.Information;
        Interlocked.Increment(ref _count);
        return _routineResult;
    }
}
