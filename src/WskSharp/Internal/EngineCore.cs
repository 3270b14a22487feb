using WskSharp.Nt;

namespace WskSharp.Internal;

/// <summary>
/// What every engine does the same way with its IRPs, whatever its socket kind: the end of a call (a pending request
/// checks the cancel flag it may have missed; any other status completes the IRP before the call returns) and the
/// readiness wrapper (a completion batch open around the handler, closed outside every lock). The queues themselves are
/// <see cref="IrpQueue"/>s and completion runs through <see cref="Irp"/> and <see cref="IrpCompletionBatch"/>, below.
/// </summary>
internal static class EngineCore
{
    /// <summary>Ends a call: Pending (queued, its cancel routine armed) checks a cancel requested before the routine was
    /// armed; any other status completes the IRP now, with <paramref name="information"/>.</summary>
    public static NtStatus Finish(Irp irp, NtStatus status, IIrpCancelHandler handler, nuint information)
    {
        if (status == NtStatus.Pending)
        {
            if (irp.CancelRequested)
            {
                handler.CancelIrp(irp); // Cancelled before the routine was armed: take it back now (a no-op if it already completed).
            }
        }
        else
        {
            irp.CompleteInline(status, information);
        }

        return status;
    }

    /// <summary>Completes every IRP of <paramref name="queue"/> with <paramref name="status"/> on this thread (outside the lock).</summary>
    public static void CompleteAll(IrpQueue queue, NtStatus status)
    {
        while (queue.Dequeue() is { } irp)
        {
            irp.CompleteInline(status, (nuint)irp.Stack.Progress);
        }
    }

    /// <summary>Runs a readiness report inside a completion batch (both engines' OnReady): completion routines run when it
    /// closes, on the event loop (and continuations, if opted in), after the handler has left its lock. A handler that throws is reported to its <see cref="IReadinessHandler.Failed"/>.</summary>
    public static void OnReady<T>(T engine, CompletionWatchdog? watchdog, bool readable, bool writable, bool hangup)
        where T : IReadinessHandler
    {
        IrpCompletionBatch? batch = IrpCompletionBatch.Open(watchdog);
        try
        {
            engine.Ready(readable, writable, hangup);
        }
        catch (Exception ex)
        {
            engine.Failed(ex);
        }
        finally
        {
            batch?.Close();
        }
    }
}

/// <summary>An engine's readiness handler, run by <see cref="EngineCore.OnReady"/>.</summary>
internal interface IReadinessHandler
{
    /// <summary>Handles readiness under the engine's own lock.</summary>
    void Ready(bool readable, bool writable, bool hangup);

    /// <summary>The handler threw: the engine's state is no longer known.</summary>
    void Failed(Exception exception);
}
