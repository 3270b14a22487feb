namespace WskSharp.Transport.Simulated;

/// <summary>
/// The simulated network's one thread and virtual clock, in the role the epoll loop plays for Linux: work is posted for a
/// virtual time and runs in (time, order posted) order as soon as the thread gets to it, without waiting in real time, so
/// a two-minute SYN timeout costs microseconds. State changes run under <see cref="Gate"/>; readiness is delivered to
/// <see cref="IHostSocketEvents.OnReady"/> outside it, one socket at a time, as the engine expects of a host stack.
/// </summary>
internal sealed class SimulatedScheduler : IDisposable
{
    private readonly PriorityQueue<WorkItem, (long Time, long Order)> _queue = new();
    private readonly Thread _thread;
    private long _order;
    private bool _stopping;
    private int _holds;

    public SimulatedScheduler(string name)
    {
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Guards every piece of simulated state; posting needs it held.</summary>
    public object Gate { get; } = new();

    /// <summary>The virtual time, in ticks (100 ns), of the work running now.</summary>
    public long Now { get; private set; }

    /// <summary>The first exception a readiness handler threw (a provider bug: the epoll loop would crash the process).</summary>
    public Exception? HandlerFailure { get; private set; }

    /// <summary>Runs <paramref name="work"/> under the gate at <paramref name="time"/> (virtual ticks). Call with the gate held.</summary>
    public void PostAt(long time, Action work)
    {
        _queue.Enqueue(new WorkItem(work, null), (Math.Max(time, Now), _order++));
        Monitor.Pulse(Gate);
    }

    /// <summary>Delivers <paramref name="socket"/>'s accumulated readiness now. Call with the gate held.</summary>
    public void PostReadiness(ISimulatedEndpoint socket)
    {
        _queue.Enqueue(new WorkItem(null, socket), (Now, _order++));
        Monitor.Pulse(Gate);
    }

    private void Run()
    {
        lock (Gate)
        {
            while (!_stopping)
            {
                if (_holds > 0 || !_queue.TryDequeue(out WorkItem item, out (long Time, long Order) key))
                {
                    Monitor.Wait(Gate);
                    continue;
                }

                Now = key.Time;
                if (item.Work is { } work)
                {
                    work();
                }
                else if (item.Socket!.TakeReadiness(out IHostSocketEvents? events, out bool readable, out bool writable, out bool hangup))
                {
                    Monitor.Exit(Gate);
                    try
                    {
                        events!.OnReady(readable, writable, hangup);
                    }
                    catch (Exception ex)
                    {
                        HandlerFailure ??= ex;
                    }
                    finally
                    {
                        Monitor.Enter(Gate);
                    }
                }
            }
        }
    }

    /// <summary>Holds the clock: nothing runs until the returned object is disposed. Calls made meanwhile only queue
    /// their work, so a batch of calls unfolds from one state, in an order set by the seed alone.</summary>
    public IDisposable Hold()
    {
        lock (Gate)
        {
            _holds++;
        }

        return new Release(this);
    }

    private sealed class Release(SimulatedScheduler scheduler) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                lock (scheduler.Gate)
                {
                    scheduler._holds--;
                    Monitor.Pulse(scheduler.Gate);
                }
            }
        }
    }

    /// <summary>Stops the thread; work still queued is dropped (the network is gone).</summary>
    public void Dispose()
    {
        lock (Gate)
        {
            _stopping = true;
            Monitor.Pulse(Gate);
        }

        if (Thread.CurrentThread != _thread)
        {
            _thread.Join(TimeSpan.FromSeconds(10));
        }
    }

    private readonly record struct WorkItem(Action? Work, ISimulatedEndpoint? Socket);
}
