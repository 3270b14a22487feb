using WskSharp.Nt;
using WskSharp.Ws2;

namespace WskSharp.Transport.Simulated;

/// <summary>
/// A deterministic TCP network in one process, for testing the provider without a kernel: one host with loopback and the
/// addresses of <see cref="SimulatedNetworkOptions.HostAddresses"/>, ports bound per family and address, listeners take SYNs into an accept queue of their backlog, segments travel
/// with a seeded delay, Fast Open cookies are granted and used, and <see cref="SimulatedFault"/>s are injected at their
/// decision points by probability (<see cref="SimulatedNetworkOptions.Faults"/>) or on demand (<see cref="InjectNext"/>).
/// One seed and one sequence of calls give the same run: all state changes happen under one gate, in virtual time, on the
/// scheduler's thread (<see cref="SimulatedScheduler"/>).
/// </summary>
internal sealed class SimulatedNetwork : IDisposable
{
    private const ushort FirstEphemeralPort = 32768;
    private const ushort LastEphemeralPort = 60999;

    private readonly Random _random;
    private readonly Dictionary<(ushort Family, ushort Port), List<SimulatedSocket>> _ports = [];
    private readonly Dictionary<(ushort Family, ushort Port), List<SimulatedDatagramSocket>> _datagramPorts = []; // UDP's own port space
    private readonly HashSet<SockAddr> _cookies = [];
    private readonly HashSet<SockAddr> _synDataBlackholes = [];
    private readonly int[] _injectNext = new int[Enum.GetValues<SimulatedFault>().Length];
    private readonly long[] _fired = new long[Enum.GetValues<SimulatedFault>().Length];
    private readonly List<string>? _trace;
    private ushort _nextEphemeral = FirstEphemeralPort;
    private int _openSockets;
    private long _socketsCreated;
    private long _bytesDelivered;

    public SimulatedNetwork(SimulatedNetworkOptions? options = null)
    {
        Options = options ?? new SimulatedNetworkOptions();
        _random = new Random(Options.Seed);
        _trace = Options.Trace ? [] : null;
        Scheduler = new SimulatedScheduler($"WskSharp simulated network {Options.Seed}");
    }

    public SimulatedNetworkOptions Options { get; }

    internal SimulatedScheduler Scheduler { get; }

    internal object Gate => Scheduler.Gate;

    /// <summary>Holds the network's clock until disposed (see <see cref="SimulatedScheduler.Hold"/>).</summary>
    public IDisposable Hold() => Scheduler.Hold();

    /// <summary>What happened on the wire, in virtual-time order ("t=… syn #3 → 127.0.0.1:40000"), when
    /// <see cref="SimulatedNetworkOptions.Trace"/> is on; sockets are numbered in order of creation.</summary>
    public IReadOnlyList<string> Trace
    {
        get
        {
            lock (Gate)
            {
                return _trace is null ? [] : [.. _trace];
            }
        }
    }

    /// <summary>Adds to the trace. Call with the gate held.</summary>
    internal void Log(string what) => _trace?.Add($"t={Scheduler.Now} {what}");

    /// <summary>Whether the trace is on (so callers build its text only then).</summary>
    internal bool Tracing => _trace is not null;

    /// <summary>A stack on this network, for the WSK layer's <c>WskProviderOptions</c>.</summary>
    public SimulatedHostStack CreateStack() => new(this);

    /// <summary>Sockets created and not yet closed: 0 once every user closed everything (the simulated descriptor count).</summary>
    public int OpenSockets
    {
        get
        {
            lock (Gate)
            {
                return _openSockets;
            }
        }
    }

    /// <summary>Sockets created since the network began.</summary>
    public long SocketsCreated
    {
        get
        {
            lock (Gate)
            {
                return _socketsCreated;
            }
        }
    }

    /// <summary>Bytes that reached a peer's receive buffer.</summary>
    public long BytesDelivered
    {
        get
        {
            lock (Gate)
            {
                return _bytesDelivered;
            }
        }
    }

    /// <summary>The first exception a readiness handler threw on the network's thread, or null.</summary>
    public Exception? HandlerFailure => Scheduler.HandlerFailure;

    /// <summary>How many times <paramref name="fault"/> fired.</summary>
    public long Fired(SimulatedFault fault)
    {
        lock (Gate)
        {
            return _fired[(int)fault];
        }
    }

    /// <summary>Makes <paramref name="fault"/> fire at its next <paramref name="count"/> decision points, whatever the plan says.</summary>
    public void InjectNext(SimulatedFault fault, int count = 1)
    {
        lock (Gate)
        {
            _injectNext[(int)fault] += count;
        }
    }

    /// <summary>The path to <paramref name="address"/>'s host drops SYNs that carry data (a Fast Open blackhole); the
    /// client's retransmitted SYN, without data, gets through a virtual second later.</summary>
    public void DropSynDataTo(SockAddr address)
    {
        lock (Gate)
        {
            _synDataBlackholes.Add(HostKey(address));
        }
    }

    /// <summary>Forgets every Fast Open cookie (as <c>ip tcp_metrics flush</c> does).</summary>
    public void ForgetCookies()
    {
        lock (Gate)
        {
            _cookies.Clear();
        }
    }

    /// <summary>Creates a socket (the provider's WskSocket path).</summary>
    internal NtStatus CreateSocket(ushort family, IHostSocketEvents events, out IHostSocket? socket)
    {
        socket = null;
        if (family is not (Ws2Def.AF_INET or Ws2Def.AF_INET6))
        {
            return NtStatus.InvalidParameter;
        }

        lock (Gate)
        {
            if (Roll(SimulatedFault.OutOfMemory))
            {
                return NtStatus.InsufficientResources;
            }

            if (_openSockets >= Options.SocketLimit || Roll(SimulatedFault.TooManyFiles))
            {
                return NtStatus.TooManyOpenedFiles;
            }

            socket = NewSocket(family, events);
            return NtStatus.Success;
        }
    }

    /// <summary>Creates a datagram socket (the provider's WskSocket path for WSK_FLAG_DATAGRAM_SOCKET).</summary>
    internal NtStatus CreateDatagramSocket(ushort family, IHostSocketEvents events, out IHostDatagramSocket? socket)
    {
        socket = null;
        if (family is not (Ws2Def.AF_INET or Ws2Def.AF_INET6))
        {
            return NtStatus.InvalidParameter;
        }

        lock (Gate)
        {
            if (Roll(SimulatedFault.OutOfMemory))
            {
                return NtStatus.InsufficientResources;
            }

            if (_openSockets >= Options.SocketLimit || Roll(SimulatedFault.TooManyFiles))
            {
                return NtStatus.TooManyOpenedFiles;
            }

            _openSockets++;
            _socketsCreated++;
            socket = new SimulatedDatagramSocket(this, family, events);
            return NtStatus.Success;
        }
    }

    /// <summary>Binds a datagram socket (port 0: an ephemeral port), in UDP's port space. Call with the gate held.</summary>
    internal NtStatus BindDatagram(SimulatedDatagramSocket socket, in SockAddr local, out SockAddr bound)
        => BindIn(_datagramPorts, socket, local, out bound);

    /// <summary>Frees a datagram socket's port. Call with the gate held.</summary>
    internal void UnbindDatagram(SimulatedDatagramSocket socket, in SockAddr local) => UnbindFrom(_datagramPorts, socket, local);

    /// <summary>A datagram reaches <paramref name="destination"/>: the socket bound there takes it, or, if none, an ICMP port
    /// unreachable goes back to <paramref name="sender"/> after another one-way delay. Runs on the scheduler, under the gate.</summary>
    internal void DeliverDatagram(SimulatedDatagramSocket sender, byte[] payload, SockAddr source, SockAddr destination)
    {
        SimulatedDatagramSocket? receiver = null;
        if (_datagramPorts.TryGetValue((destination.Family, destination.Port), out List<SimulatedDatagramSocket>? users))
        {
            SockAddr host = HostKey(destination);
            foreach (SimulatedDatagramSocket user in users)
            {
                if (user.Local.IsWildcard || HostKey(user.Local) == host)
                {
                    receiver = user;
                    break;
                }
            }
        }

        if (receiver is not null)
        {
            Log($"datagram {source} → {destination} ({payload.Length} bytes)");
            receiver.Arrive(payload, source, destination);
            return;
        }

        Log($"datagram {source} → {destination}: port unreachable");
        Scheduler.PostAt(Scheduler.Now + OneWayDelay(), () => sender.Unreachable(destination));
    }

    /// <summary>A new socket counted as open. Call with the gate held.</summary>
    internal SimulatedSocket NewSocket(ushort family, IHostSocketEvents? events)
    {
        _openSockets++;
        return new SimulatedSocket(this, family, events, ++_socketsCreated);
    }

    /// <summary>Whether <paramref name="fault"/> fires at this decision point (an injected one first, then the plan's
    /// probability against the seeded source). Without <paramref name="count"/> the caller counts it when it strikes
    /// (<see cref="NoteFired"/>). Call with the gate held.</summary>
    internal bool Roll(SimulatedFault fault, bool count = true)
    {
        int i = (int)fault;
        bool fires = _injectNext[i] > 0 ? _injectNext[i]-- > 0 : Options.Faults[fault] > 0 && _random.NextDouble() < Options.Faults[fault];
        if (fires && count)
        {
            _fired[i]++;
        }

        return fires;
    }

    /// <summary>A seeded whole number in [<paramref name="min"/>, <paramref name="max"/>). Call with the gate held.</summary>
    internal int Next(int min, int max) => _random.Next(min, max);

    /// <summary>A one-way delay in ticks, seeded, between the options' bounds. Call with the gate held.</summary>
    internal long OneWayDelay()
    {
        long min = Options.MinDelay.Ticks, max = Math.Max(min, Options.MaxDelay.Ticks);
        return min + (long)(_random.NextDouble() * (max - min));
    }

    /// <summary>Counts a fault whose decision was made earlier and that struck only now. Call with the gate held.</summary>
    internal void NoteFired(SimulatedFault fault) => _fired[(int)fault]++;

    internal void SocketClosed() => _openSockets--;

    internal void Delivered(int bytes) => _bytesDelivered += bytes;

    /// <summary>Binds <paramref name="socket"/> to <paramref name="local"/> (port 0: an ephemeral port). Call with the gate held.</summary>
    internal NtStatus Bind(SimulatedSocket socket, in SockAddr local, out SockAddr bound) => BindIn(_ports, socket, local, out bound);

    /// <summary>Binds <paramref name="socket"/> in one port space (TCP's or UDP's; the ephemeral counter is shared, as
    /// before). Call with the gate held.</summary>
    private NtStatus BindIn<T>(Dictionary<(ushort Family, ushort Port), List<T>> ports, T socket, in SockAddr local, out SockAddr bound)
        where T : class, ISimulatedEndpoint
    {
        bound = default;
        if (!local.IsWildcard && !IsHostAddress(local))
        {
            return NtStatus.InvalidAddress; // EADDRNOTAVAIL
        }

        if (local.Port != 0)
        {
            if (InUse(ports, local))
            {
                return NtStatus.AddressAlreadyAssociated;
            }

            bound = Normalize(local, local.Port);
        }
        else
        {
            for (int tries = 0; ; tries++)
            {
                if (tries > LastEphemeralPort - FirstEphemeralPort)
                {
                    return NtStatus.InvalidAddress; // EADDRNOTAVAIL: no ephemeral port left.
                }

                ushort port = _nextEphemeral;
                _nextEphemeral = port == LastEphemeralPort ? FirstEphemeralPort : (ushort)(port + 1);
                SockAddr candidate = Normalize(local, port);
                if (!InUse(ports, candidate))
                {
                    bound = candidate;
                    break;
                }
            }
        }

        (ushort, ushort) key = (bound.Family, bound.Port);
        if (!ports.TryGetValue(key, out List<T>? users))
        {
            ports[key] = users = [];
        }

        users.Add(socket);
        return NtStatus.Success;
    }

    /// <summary>Frees <paramref name="socket"/>'s port (no TIME_WAIT here). Call with the gate held.</summary>
    internal void Unbind(SimulatedSocket socket, in SockAddr local) => UnbindFrom(_ports, socket, local);

    private static void UnbindFrom<T>(Dictionary<(ushort Family, ushort Port), List<T>> ports, T socket, in SockAddr local)
        where T : class, ISimulatedEndpoint
    {
        if (ports.TryGetValue((local.Family, local.Port), out List<T>? users) && users.Remove(socket) && users.Count == 0)
        {
            ports.Remove((local.Family, local.Port));
        }
    }

    /// <summary>The socket listening where <paramref name="remote"/> points, if any. Call with the gate held.</summary>
    internal SimulatedSocket? FindListener(in SockAddr remote)
    {
        if (!_ports.TryGetValue((remote.Family, remote.Port), out List<SimulatedSocket>? users))
        {
            return null;
        }

        SockAddr host = HostKey(remote);
        foreach (SimulatedSocket user in users)
        {
            if (user.IsListening && (user.Local.IsWildcard || HostKey(user.Local) == host))
            {
                return user;
            }
        }

        return null;
    }

    /// <summary>Whether the host has <paramref name="address"/> (loopback, or one of the options' addresses).</summary>
    internal bool IsHostAddress(in SockAddr address)
    {
        byte[] bytes = address.GetAddressBytes();
        if (address.Family == Ws2Def.AF_INET ? bytes[0] == 127 : System.Net.IPAddress.IPv6Loopback.GetAddressBytes().AsSpan().SequenceEqual(bytes))
        {
            return true;
        }

        foreach (System.Net.IPAddress host in Options.HostAddresses)
        {
            if (host.GetAddressBytes().AsSpan().SequenceEqual(bytes))
            {
                return true;
            }
        }

        return false;
    }

    internal bool HasCookie(in SockAddr server) => _cookies.Contains(HostKey(server));

    internal void GrantCookie(in SockAddr server) => _cookies.Add(HostKey(server));

    internal bool DropsSynData(in SockAddr server) => _synDataBlackholes.Contains(HostKey(server));

    private static bool InUse<T>(Dictionary<(ushort Family, ushort Port), List<T>> ports, in SockAddr local)
        where T : class, ISimulatedEndpoint
    {
        if (!ports.TryGetValue((local.Family, local.Port), out List<T>? users))
        {
            return false;
        }

        SockAddr host = HostKey(local);
        foreach (T user in users)
        {
            if (local.IsWildcard || user.Local.IsWildcard || HostKey(user.Local) == host)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The address alone (port, flow and scope 0): how hosts are told apart.</summary>
    private static SockAddr HostKey(in SockAddr address) => Normalize(address, 0);

    private static SockAddr Normalize(in SockAddr address, ushort port) => address.Family == Ws2Def.AF_INET6
        ? SockAddr.Inet6(address.GetAddressBytes(), port)
        : SockAddr.Inet(address.GetAddressBytes(), port);

    public void Dispose() => Scheduler.Dispose();
}
