using Microsoft.Extensions.Logging;
using WskSharp.FastOpen;
using WskSharp.Internal;
using WskSharp.Nt;
using WskSharp.Transport;

namespace WskSharp.Wsk;

/// <summary>
/// <c>WSK_CLIENT</c>: the provider's handle for one registered client, passed to every provider-level call. It
/// owns the host stack the client's sockets live on and counts them, so <see cref="WskApi.WskDeregister"/> can
/// wait until they are all closed.
/// </summary>
public sealed class WskClient : IAcceptedSocketFactory
{
    private readonly object _lock = new();
    private int _openSockets;
    private bool _socketsMade; // WSK_SET_STATIC_EVENT_CALLBACKS is allowed only before the first socket

    internal WskClient(WskRegistration registration, IHostStack stack, WskProviderOptions options)
    {
        Registration = registration;
        Stack = stack;
        SocketClosed = RemoveSocket;
        CompletionWatchdog? watchdog = options.EventLoopWatchdogThreshold > TimeSpan.Zero
            ? new CompletionWatchdog(options.EventLoopWatchdogThreshold,
                options.LoggerFactory?.CreateLogger("WskSharp.EventLoop") ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance)
            : null;
        FastOpenMemory = new FastOpenMemory(options.FastOpenMode, options.FastOpenBackoffMinimum, options.FastOpenBackoffMaximum,
            options.FastOpenMemoryCapacity, options.TimeProvider, options.LoggerFactory?.CreateLogger("WskSharp.FastOpen"),
            options.FastOpenMemoryFile);
        EngineSettings = new SocketEngineSettings(FastOpenMemory, options.CompleteOnEventLoop, watchdog,
            options.LoggerFactory?.CreateLogger("WskSharp.Socket"));
        IrpLogger = options.LoggerFactory?.CreateLogger("WskSharp.Irp");
    }

    /// <summary>The adaptive Fast Open memory of this client's provider: one per registration, shared by its sockets.</summary>
    internal FastOpenMemory FastOpenMemory { get; }

    internal WskRegistration Registration { get; }

    internal IHostStack Stack { get; }

    /// <summary>What this registration's sockets share: the Fast Open memory, <see cref="WskProviderOptions.CompleteOnEventLoop"/>,
    /// the watchdog (<see cref="WskProviderOptions.EventLoopWatchdogThreshold"/>) and the sockets' logger.</summary>
    internal SocketEngineSettings EngineSettings { get; }

    /// <summary>Where the completion of this client's IRPs reports a completion routine that throws (null: silent).</summary>
    internal ILogger? IrpLogger { get; }

    /// <summary>Sockets created and not yet closed.</summary>
    public int OpenSockets => Volatile.Read(ref _openSockets);

    internal NtStatus TryAddSocket()
    {
        lock (_lock)
        {
            if (Registration.IsDeregistering)
            {
                return NtStatus.DeviceNotReady;
            }

            _openSockets++;
            _socketsMade = true;
            return NtStatus.Success;
        }
    }

    /// <summary>The WSK_EVENT_* mask set by WSK_SET_STATIC_EVENT_CALLBACKS (0: none): enabled on every socket made
    /// afterwards, for the events of its category, and never disabled.</summary>
    internal uint StaticEvents { get; private set; }

    /// <summary>WSK_SET_STATIC_EVENT_CALLBACKS: must come before the client makes any socket (STATUS_INVALID_DEVICE_STATE
    /// after), as the documentation requires.</summary>
    internal NtStatus SetStaticEvents(uint mask)
    {
        lock (_lock)
        {
            if (_socketsMade)
            {
                return NtStatus.InvalidDeviceState;
            }

            StaticEvents = mask;
            return NtStatus.Success;
        }
    }

    /// <summary><see cref="RemoveSocket"/> as a delegate made once: a close hands it to the engine, and a delegate made per
    /// close would be an allocation per connection.</summary>
    internal Action SocketClosed { get; }

    internal void RemoveSocket()
    {
        lock (_lock)
        {
            _openSockets--;
            Monitor.PulseAll(_lock);
        }
    }

    /// <summary>The socket object for a connection a listening socket accepted: a connection socket, counted like any other.</summary>
    internal WskSocket? CreateAcceptedSocket(SocketEngine engine, object? context, object? dispatch)
    {
        if (TryAddSocket() != NtStatus.Success)
        {
            return null;
        }

        return new WskSocket(this, engine, WskConstants.WSK_FLAG_CONNECTION_SOCKET, WskProviderConnectionDispatch.Instance, context, dispatch);
    }

    /// <summary>For WskAccept: the dispatch is known now, so static events start at once (WskAcceptEvent's path starts
    /// them once the client has returned its dispatch).</summary>
    object? IAcceptedSocketFactory.CreateAcceptedSocket(SocketEngine engine, object? context, object? dispatch)
    {
        WskSocket? socket = CreateAcceptedSocket(engine, context, dispatch);
        socket?.EnableStaticEvents();
        return socket;
    }

    /// <summary>Blocks until every socket is closed.</summary>
    internal void WaitForSockets()
    {
        lock (_lock)
        {
            while (_openSockets > 0)
            {
                Monitor.Wait(_lock);
            }
        }
    }
}
