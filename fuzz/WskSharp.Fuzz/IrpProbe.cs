using WskSharp.Nt;

namespace WskSharp.Fuzz;

/// <summary>An IRP whose completion routine counts its runs and records what it saw, with a sentinel in IoStatus beforehand.</summary>
internal sealed class IrpProbe
{
    private static readonly NtStatus Sentinel = new(0xDEADBEEF);

    public IrpProbe()
    {
        Irp = new Irp();
        Arm();
    }

    public Irp Irp { get; }

    public int RoutineRuns { get; private set; }

    public NtStatus SeenStatus { get; private set; }

    /// <summary>The same IRP after <c>IoReuseIrp</c>, re-armed.</summary>
    public IrpProbe Reused()
    {
        Irp.Reuse(NtStatus.Success);
        Arm();
        return this;
    }

    private void Arm()
    {
        Irp.SetCompletionRoutine(static (irp, context) => ((IrpProbe)context!).OnCompleted(irp), this); // IoReuseIrp clears it.
        Irp.IoStatus.Status = Sentinel;
        Irp.IoStatus.Information = 0xBAD;
    }

    private NtStatus OnCompleted(Irp irp)
    {
        SeenStatus = irp.IoStatus.Status;
        RoutineRuns++;
        return NtStatus.MoreProcessingRequired;
    }
}
