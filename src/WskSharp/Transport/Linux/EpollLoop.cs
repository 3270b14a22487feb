using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using WskSharp.Nt;

namespace WskSharp.Transport.Linux;

/// <summary>
/// One epoll event loop of a <see cref="LinuxHostStack"/>: one thread ("WskSharp epoll N"), edge-triggered registrations,
/// readiness handed to each socket's <see cref="IHostSocketEvents"/>. Sockets try their syscalls first on the caller's
/// thread; only "not now" waits for a loop (the System.Net.Sockets shape). The loop starts with the first socket of its
/// own that needs it and stops when its stack is disposed (at WskDeregister): the thread ends and closes the epoll and
/// wake-up descriptors.
/// </summary>
internal sealed unsafe partial class EpollLoop
{
    private const int MaxEvents = 256;

    /// <summary>The token of the wake-up eventfd: no registration has it (slot numbers stay far below).</summary>
    private const ulong StopToken = ulong.MaxValue;

    private readonly Lock _startLock = new();
    private readonly Lock _lock = new();
    private IHostSocketEvents?[] _handlers = new IHostSocketEvents?[64];
    private uint[] _generations = new uint[64];
    private readonly Stack<int> _free = new();
    private int _next;
    private int _epfd = -1;
    private int _wakeFd = -1;
    private Thread? _thread;
    private volatile bool _running;
    private bool _stopped;

    public EpollLoop(LinuxHostStack stack, int index, ILogger? logger)
    {
        Stack = stack;
        Index = index;
        Logger = logger;
    }

    /// <summary>The stack that owns the loop (an accepted socket takes that stack's next loop).</summary>
    public LinuxHostStack Stack { get; }

    /// <summary>The loop's number within its stack (its thread is "WskSharp epoll <see cref="Index"/>").</summary>
    public int Index { get; }

    /// <summary>The stack's logger (an errno outside the mapping table), kept here so that a socket need not hold it.</summary>
    public ILogger? Logger { get; }

    /// <summary>The loop's thread while it runs (tests check that it ends).</summary>
    public Thread? Thread => _thread;

    /// <summary>
    /// Starts the loop on first use: 0 if it runs, else the errno that stopped it (EMFILE with a full descriptor table,
    /// ESHUTDOWN once the stack is disposed). A failure is not kept: the caller gets a status for it, and the next call
    /// tries again.
    /// </summary>
    public int TryStart()
    {
        if (_running)
        {
            return 0;
        }

        lock (_startLock)
        {
            if (_running)
            {
                return 0;
            }

            if (_stopped)
            {
                return Errno.ESHUTDOWN;
            }

            int epfd = Interop.epoll_create1(Interop.EPOLL_CLOEXEC);
            if (epfd < 0)
            {
                return Marshal.GetLastPInvokeError();
            }

            int wakeFd = Interop.eventfd(0, Interop.EFD_CLOEXEC | Interop.EFD_NONBLOCK);
            Interop.EpollEvent ev = new() { Events = Interop.EPOLLIN, Data = StopToken };
            if (wakeFd < 0 || Interop.epoll_ctl(epfd, Interop.EPOLL_CTL_ADD, wakeFd, &ev) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                CloseDescriptors(epfd, wakeFd);
                return errno;
            }

            var thread = new Thread(Run) { IsBackground = true, Name = $"WskSharp epoll {Index}" };
            _epfd = epfd;
            _wakeFd = wakeFd;
            try
            {
                thread.UnsafeStart();
            }
            catch (Exception ex) when (ex is OutOfMemoryException or ThreadStartException)
            {
                CloseDescriptors(epfd, wakeFd);
                _epfd = _wakeFd = -1;
                return Errno.ENOMEM; // No thread could be made: resources, as the kernel would say.
            }

            _thread = thread;
            _running = true;
            return 0;
        }
    }

    /// <summary>
    /// Stops the loop for good: its thread finishes the readiness it is handling, ends and closes the loop's
    /// descriptors. Waits for that unless called on the loop's own thread (a routine may deregister) or the thread
    /// overruns <paramref name="timeout"/> (a routine that blocks: logged, the thread still closes them when it ends).
    /// </summary>
    public void Stop(TimeSpan timeout)
    {
        Thread? thread;
        lock (_startLock)
        {
            _stopped = true;
            if (!_running)
            {
                return;
            }

            _running = false;
            thread = _thread;
            ulong one = 1;
            _ = Interop.write(_wakeFd, &one, sizeof(ulong)); // Cannot fail short of a counter at 2^64-2 wake-ups.
        }

        if (thread is not null && thread != Thread.CurrentThread && !thread.Join(timeout))
        {
            if (Logger is { } logger)
            {
                LogStopOverrun(logger, Index, timeout.TotalSeconds);
            }
        }
    }

    /// <summary>Registers <paramref name="fd"/> for edge-triggered readiness; returns the token to unregister with,
    /// or -1 with <paramref name="errno"/> set. Without <paramref name="writeEvents"/> only reads and errors are reported
    /// until <see cref="Modify"/> asks for send space too (a UDP socket's every sent datagram would otherwise report it).
    /// With <paramref name="levelReads"/> (no write events) the registration is level-triggered: a socket with data
    /// unread is reported by every epoll_wait, so a receive need not learn that it emptied the queue.</summary>
    public long Register(int fd, IHostSocketEvents handler, out int errno, bool writeEvents = true, bool levelReads = false)
    {
        if (!_running)
        {
            errno = Errno.ESHUTDOWN; // Stopped: its epoll descriptor is closed, or about to be.
            return -1;
        }

        int slot;
        uint generation;
        lock (_lock)
        {
            if (!_free.TryPop(out slot))
            {
                slot = _next++;
                if (slot == _handlers.Length)
                {
                    Array.Resize(ref _handlers, slot * 2);
                    Array.Resize(ref _generations, slot * 2);
                }
            }

            generation = ++_generations[slot];
            _handlers[slot] = handler;
        }

        long token = ((long)generation << 32) | (uint)slot;
        Interop.EpollEvent ev = new() { Events = Mask(writeEvents, levelReads), Data = (ulong)token };
        if (Interop.epoll_ctl(_epfd, Interop.EPOLL_CTL_ADD, fd, &ev) != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            Unregister(token);
            return -1;
        }

        errno = 0;
        return token;
    }

    /// <summary>Turns send-space reports of a registration on or off, and level-triggered reads (see <see cref="Register"/>):
    /// 0, or the errno. Turned on while the socket already has room (or data), the kernel reports it at once
    /// (EPOLL_CTL_MOD re-checks readiness), so no edge is lost.</summary>
    public int Modify(int fd, long token, bool writeEvents, bool levelReads = false)
    {
        Interop.EpollEvent ev = new() { Events = Mask(writeEvents, levelReads), Data = (ulong)token };
        return Interop.epoll_ctl(_epfd, Interop.EPOLL_CTL_MOD, fd, &ev) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    private static uint Mask(bool writeEvents, bool levelReads) => levelReads && !writeEvents
        ? Interop.EPOLLIN | Interop.EPOLLRDHUP // Send space is never level-triggered: it is there nearly always.
        : Interop.EPOLLIN | Interop.EPOLLRDHUP | Interop.EPOLLET | (writeEvents ? Interop.EPOLLOUT : 0);

    /// <summary>Forgets a registration: events still in flight for it are dropped. (Closing the descriptor
    /// removes it from the epoll set.)</summary>
    public void Unregister(long token)
    {
        int slot = (int)(uint)token;
        lock (_lock)
        {
            if (_generations[slot] == (uint)(token >> 32) && _handlers[slot] is not null)
            {
                _handlers[slot] = null;
                _free.Push(slot);
            }
        }
    }

    private void Run()
    {
        try
        {
            RunUntilStopped(_epfd);
        }
        finally
        {
            // The loop's own descriptors go with its thread, so nothing can use them after they close; under the start
            // lock, so that Stop never writes to a number that is no longer the loop's.
            lock (_startLock)
            {
                CloseDescriptors(_epfd, _wakeFd);
                _epfd = _wakeFd = -1;
                _running = false; // Only after a failure of epoll_wait does this matter: a later start makes a new loop.
            }
        }
    }

    private void RunUntilStopped(int epfd)
    {
        Interop.EpollEvent* events = stackalloc Interop.EpollEvent[MaxEvents];
        var ready = new IHostSocketEvents?[MaxEvents];
        bool stop = false;
        while (!stop)
        {
            int n = Interop.epoll_wait(epfd, events, MaxEvents, -1);
            if (n < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.EINTR)
                {
                    continue;
                }

                if (Logger is { } logger)
                {
                    LogWaitFailed(logger, Index, errno);
                }
                return;
            }

            lock (_lock)
            {
                for (int i = 0; i < n; i++)
                {
                    if (events[i].Data == StopToken)
                    {
                        stop = true; // This pass's other readiness is still handed out.
                        ready[i] = null;
                        continue;
                    }

                    long token = (long)events[i].Data;
                    int slot = (int)(uint)token;
                    ready[i] = _generations[slot] == (uint)(token >> 32) ? _handlers[slot] : null;
                }
            }

            // One completion batch for the whole pass: every socket's readiness is handled first, then the routines run
            // (after every handler has left its lock). A pass's sends then leave together, so a peer woken by the first
            // finds the others queued, instead of being woken (an IPI on another CPU) once per datagram.
            IrpCompletionBatch? batch = IrpCompletionBatch.Open();
            for (int i = 0; i < n; i++)
            {
                if (ready[i] is not { } handler)
                {
                    continue;
                }

                ready[i] = null;
                uint e = events[i].Events;
                bool error = (e & (Interop.EPOLLERR | Interop.EPOLLHUP)) != 0;
                try
                {
                    handler.OnReady(
                        readable: error || (e & (Interop.EPOLLIN | Interop.EPOLLRDHUP)) != 0,
                        writable: error || (e & Interop.EPOLLOUT) != 0,
                        hangup: error || (e & Interop.EPOLLRDHUP) != 0);
                }
                catch (Exception ex)
                {
                    // A handler bug must not stop every other socket's I/O.
                    if (Logger is { } logger)
                    {
                        LogHandlerThrew(logger, Index, ex);
                    }
                }
            }

            try
            {
                batch?.Close();
            }
            catch (Exception ex)
            {
                // Awaiting code that resumed here (CompleteOnEventLoop) threw; what was left completes on the thread pool.
                if (Logger is { } logger)
                {
                    LogHandlerThrew(logger, Index, ex);
                }
            }
        }
    }

    private static void CloseDescriptors(int epfd, int wakeFd)
    {
        if (wakeFd >= 0)
        {
            Interop.close(wakeFd);
        }

        if (epfd >= 0)
        {
            Interop.close(epfd);
        }
    }

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning,
        Message = "Event loop {Index} did not stop within {Seconds} s: a routine on it blocks (the loop closes its descriptors when it ends)")]
    private static partial void LogStopOverrun(ILogger logger, int index, double seconds);

    [LoggerMessage(EventId = 210, Level = LogLevel.Critical, Message = "epoll_wait failed (errno {Errno}); event loop {Index} stops")]
    private static partial void LogWaitFailed(ILogger logger, int index, int errno);

    [LoggerMessage(EventId = 211, Level = LogLevel.Error, Message = "A readiness handler threw on event loop {Index}; the loop serves the other sockets")]
    private static partial void LogHandlerThrew(ILogger logger, int index, Exception exception);
}
