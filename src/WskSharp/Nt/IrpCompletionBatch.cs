namespace WskSharp.Nt;

/// <summary>
/// The IRPs completed on one thread while a batch is open there, finished (completion routine, then the awaiting
/// continuation, or its hand-off to the thread pool) when it closes, on that thread, instead of each being queued to the
/// thread pool. The event loop opens one around each epoll pass (every socket it reported ready) and closes it once every
/// socket's lock is left, so no caller code ever runs under a provider lock. What the finished IRPs' routines complete in
/// turn joins the same batch and is finished in the same pass. A <see cref="CompletionWatchdog"/>, where given, times each completion.
/// </summary>
internal sealed class IrpCompletionBatch
{
    [ThreadStatic]
    private static IrpCompletionBatch? t_current;

    [ThreadStatic]
    private static IrpCompletionBatch? t_spare;

    private IrpQueue _completed;
    private CompletionWatchdog? _watchdog;

    /// <summary>The batch open on this thread, if any.</summary>
    public static IrpCompletionBatch? Current => t_current;

    /// <summary>Opens a batch on this thread (null if one is open already: the outer one finishes everything, timed by the
    /// first watchdog given to it).</summary>
    /// <param name="watchdog">Times each completion the batch runs (null: none).</param>
    public static IrpCompletionBatch? Open(CompletionWatchdog? watchdog = null)
    {
        if (t_current is { } outer)
        {
            outer._watchdog ??= watchdog; // The event loop opens its pass's batch without one; the sockets' engines bring it.
            return null;
        }

        IrpCompletionBatch batch = t_spare ?? new IrpCompletionBatch();
        t_spare = null;
        batch._watchdog = watchdog;
        t_current = batch;
        return batch;
    }

    /// <summary>Queues a completed IRP (its result is set; its routine and continuation have not run).</summary>
    public void Add(Irp irp) => _completed.Enqueue(irp);

    /// <summary>Finishes every IRP the batch holds, and those their continuations complete meanwhile, then closes it.</summary>
    public void Close()
    {
        try
        {
            long start = 0;
            bool timing = false; // The end of one completion, read by the watchdog, is the start of the next: one read each.
            while (_completed.Dequeue() is { } irp)
            {
                if (_watchdog is { } watchdog)
                {
                    IoCompletionRoutine? routine = irp.Routine;
                    if (!timing)
                    {
                        start = watchdog.Now();
                        timing = true;
                    }

                    irp.FinishDeferred();
                    start = watchdog.Observe(routine, start);
                }
                else
                {
                    irp.FinishDeferred();
                }
            }
        }
        finally
        {
            // Only a continuation that threw gets here with IRPs left: they still complete, on the thread pool.
            while (_completed.Dequeue() is { } left)
            {
                left.FinishOnThreadPool();
            }

            t_current = null;
            _watchdog = null;
            t_spare = this;
        }
    }
}
