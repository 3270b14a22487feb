using WskSharp.Nt;

namespace WskSharp.Internal;

/// <summary>
/// One name-resolution IRP: the lookup runs on its own; whichever comes first, its end or IoCancelIrp, completes the IRP,
/// once. The result reaches the caller's output only if the lookup won, so nothing is written after the IRP completed.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "A token source without a timer or a wait handle holds nothing to release; disposing it could race its own Cancel.")]
internal sealed class ResolutionRequest<T> : IIrpCancelHandler
{
    private readonly Irp _irp;
    private readonly Action<T> _deliver;
    private readonly CancellationTokenSource _cancel = new();
    private int _finished;

    private ResolutionRequest(Irp irp, Action<T> deliver)
    {
        _irp = irp;
        _deliver = deliver;
    }

    /// <summary>Starts <paramref name="lookup"/> for a started IRP: inline if it finishes at once (a literal address),
    /// else STATUS_PENDING and a completion later.</summary>
    public static NtStatus Start(Irp irp, Func<CancellationToken, Task<(NtStatus Status, T Value)>> lookup, Action<T> deliver)
    {
        var request = new ResolutionRequest<T>(irp, deliver);
        Task<(NtStatus Status, T Value)> task = lookup(request._cancel.Token);
        if (task.IsCompleted)
        {
            return request.Finish(task); // Nothing to wait for: completed before the call returns.
        }

        irp.ArmCancel(request);
        if (irp.CancelRequested)
        {
            request.CancelIrp(irp); // Cancelled before the routine was armed.
        }

        task.ContinueWith(static (t, state) => ((ResolutionRequest<T>)state!).Finish(t), request, CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return NtStatus.Pending;
    }

    public void CancelIrp(Irp irp)
    {
        if (Interlocked.Exchange(ref _finished, 1) == 0)
        {
            _cancel.Cancel(); // The lookup's own end is ignored now.
            irp.CompleteInline(NtStatus.Cancelled);
        }
    }

    /// <summary>Completes the IRP with the lookup's outcome unless a cancel came first; returns that outcome.</summary>
    private NtStatus Finish(Task<(NtStatus Status, T Value)> task)
    {
        if (Interlocked.Exchange(ref _finished, 1) != 0)
        {
            return NtStatus.Cancelled;
        }

        _irp.ClearCancelHandler();
        NtStatus status = Outcome(task, out T value);
        if (status == NtStatus.Success)
        {
            _deliver(value);
        }

        _irp.CompleteInline(status);
        return status;
    }

    private static NtStatus Outcome(Task<(NtStatus Status, T Value)> task, out T value)
    {
        value = default!;
        if (task.IsCanceled)
        {
            return NtStatus.Cancelled;
        }

        if (!task.IsCompletedSuccessfully)
        {
            return NtStatus.Unsuccessful; // The resolver failed in a way it has no status for.
        }

        value = task.Result.Value;
        return task.Result.Status;
    }
}
