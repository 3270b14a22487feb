using WskSharp.Nt;

namespace WskSharp.Internal;

/// <summary>
/// What every engine does the same way with its IRPs, whatever its socket kind: the end of a call (a pending request
/// checks the cancel flag it may have missed; any other status completes the IRP before the call returns), the queues
/// emptied when a socket closes or fails, the readiness wrapper (a completion batch open around the handler, closed
/// outside every lock), the one-deliverer loop of event callbacks and the requests that wait for a callback to return.
/// The queues themselves are <see cref="IrpQueue"/>s and completion runs through <see cref="Irp"/> and
/// <see cref="IrpCompletionBatch"/>, below.
/// </summary>
internal static class EngineCore
{
    /// <summary>Ends a call: Pending (queued, its cancel routine armed) checks a cancel requested before the routine was
    /// armed; any other status completes the IRP now, with <paramref name="information"/> (and <paramref name="pointer"/>,
    /// what IoStatus.Pointer carries: an accepted socket).</summary>
    public static NtStatus Finish(Irp irp, NtStatus status, IIrpCancelHandler handler, nuint information, object? pointer = null)
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
            irp.CompleteInline(status, information, pointer);
        }

        return status;
    }

    /// <summary>Completes every IRP of <paramref name="queue"/> (taken from the socket under its lock) with
    /// <paramref name="status"/> and the bytes each moved, on this thread (outside the lock).</summary>
    public static void CompleteAll(IrpQueue queue, NtStatus status)
    {
        while (queue.Dequeue() is { } irp)
        {
            irp.CompleteInline(status, (nuint)irp.Stack.Progress);
        }
    }

    /// <summary>Empties <paramref name="queue"/> under the socket's lock, each IRP completing with <paramref name="status"/>
    /// and the bytes it moved once the lock is left (the batch the readiness wrapper opened, or the thread pool).</summary>
    public static void CompleteAllLater(ref IrpQueue queue, NtStatus status)
    {
        while (queue.Dequeue() is { } irp)
        {
            irp.CompleteLater(status, (nuint)irp.Stack.Progress);
        }
    }

    /// <summary>Outside the lock, once an event callback has returned (<see cref="EventInProgress.End"/>): the requests that
    /// waited for it complete with Success, each close first running what its caller gave it to run once closed (the
    /// IRP's <see cref="IrpStackLocation.Context"/>, an <see cref="Action"/>).</summary>
    public static void CompleteWaiters(IrpQueue waiters)
    {
        while (waiters.Dequeue() is { } irp)
        {
            (irp.Stack.Context as Action)?.Invoke();
            irp.CompleteInline(NtStatus.Success);
        }
    }

    /// <summary>Delivers the engine's events until none is left, one thread at a time (see <see cref="DeliveryGate"/>):
    /// <paramref name="gate"/> is the engine's own, guarded by <paramref name="sync"/>, its lock. What a callback throws
    /// leaves the gate open for the next deliverer and goes to the caller.</summary>
    public static void DeliverEvents<T>(T engine, Lock sync, ref DeliveryGate gate)
        where T : IEventDeliverer
    {
        lock (sync)
        {
            if (!gate.TryEnter())
            {
                return;
            }
        }

        bool done = false;
        try
        {
            while (!done)
            {
                while (engine.DeliverNext())
                {
                }

                lock (sync)
                {
                    done = gate.TryLeave();
                }
            }
        }
        finally
        {
            if (!done)
            {
                lock (sync)
                {
                    gate.Abandon();
                }
            }
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
