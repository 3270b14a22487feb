using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace WskSharp.Transport.Linux;

/// <summary>
/// The process-wide epoll event loop: one thread, edge-triggered registrations, readiness handed to each
/// socket's <see cref="IHostSocketEvents"/>. Sockets try their syscalls first on the caller's thread; only
/// "not now" waits for this loop (the System.Net.Sockets shape).
/// </summary>
internal sealed unsafe partial class EpollLoop
{
    private const int MaxEvents = 256;

    private static readonly Lock s_startLock = new();
    private static EpollLoop? s_instance;

    private readonly int _epfd;
    private readonly Lock _lock = new();
    private IHostSocketEvents?[] _handlers = new IHostSocketEvents?[64];
    private uint[] _generations = new uint[64];
    private readonly Stack<int> _free = new();
    private int _next;
    private readonly ILogger? _logger;

    private EpollLoop(int epfd, ILogger? logger)
    {
        _epfd = epfd;
        _logger = logger;
    }

    /// <summary>The loop, once <see cref="TryStart"/> has started it.</summary>
    public static EpollLoop Instance => Volatile.Read(ref s_instance) ?? throw new InvalidOperationException("The event loop has not started.");

    /// <summary>
    /// Starts the loop on first use: 0 if it runs, else the errno that stopped it (EMFILE with a full descriptor table).
    /// A failure is not kept: the caller gets a status for it, and the next call tries again.
    /// </summary>
    /// <param name="logger">Where the loop reports what stops it or what a handler threw: the logger of the registration
    /// whose socket starts the process-wide loop (null: silent).</param>
    public static int TryStart(ILogger? logger)
    {
        if (Volatile.Read(ref s_instance) is not null)
        {
            return 0;
        }

        lock (s_startLock)
        {
            if (s_instance is not null)
            {
                return 0;
            }

            int epfd = Interop.epoll_create1(Interop.EPOLL_CLOEXEC);
            if (epfd < 0)
            {
                return Marshal.GetLastPInvokeError();
            }

            var loop = new EpollLoop(epfd, logger);
            try
            {
                new Thread(loop.Run) { IsBackground = true, Name = "WskSharp epoll" }.UnsafeStart();
            }
            catch (Exception ex) when (ex is OutOfMemoryException or ThreadStartException)
            {
                Interop.close(epfd);
                return Errno.ENOMEM; // No thread could be made: resources, as the kernel would say.
            }

            Volatile.Write(ref s_instance, loop);
            return 0;
        }
    }

    /// <summary>Registers <paramref name="fd"/> for edge-triggered readiness; returns the token to unregister with,
    /// or -1 with <paramref name="errno"/> set.</summary>
    public long Register(int fd, IHostSocketEvents handler, out int errno)
    {
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
        Interop.EpollEvent ev = new()
        {
            Events = Interop.EPOLLIN | Interop.EPOLLOUT | Interop.EPOLLRDHUP | Interop.EPOLLET,
            Data = (ulong)token,
        };
        if (Interop.epoll_ctl(_epfd, Interop.EPOLL_CTL_ADD, fd, &ev) != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            Unregister(token);
            return -1;
        }

        errno = 0;
        return token;
    }

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
        Interop.EpollEvent* events = stackalloc Interop.EpollEvent[MaxEvents];
        var ready = new IHostSocketEvents?[MaxEvents];
        while (true)
        {
            int n = Interop.epoll_wait(_epfd, events, MaxEvents, -1);
            if (n < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.EINTR)
                {
                    continue;
                }

                if (_logger is not null)
                {
                    LogWaitFailed(_logger, errno);
                }
                return;
            }

            lock (_lock)
            {
                for (int i = 0; i < n; i++)
                {
                    long token = (long)events[i].Data;
                    int slot = (int)(uint)token;
                    ready[i] = _generations[slot] == (uint)(token >> 32) ? _handlers[slot] : null;
                }
            }

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
                    if (_logger is not null)
                    {
                        LogHandlerThrew(_logger, ex);
                    }
                }
            }
        }
    }

    [LoggerMessage(EventId = 210, Level = LogLevel.Critical, Message = "epoll_wait failed (errno {Errno}); the event loop stops")]
    private static partial void LogWaitFailed(ILogger logger, int errno);

    [LoggerMessage(EventId = 211, Level = LogLevel.Error, Message = "A readiness handler threw; the event loop serves the other sockets")]
    private static partial void LogHandlerThrew(ILogger logger, Exception exception);
}
