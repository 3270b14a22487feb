using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Cli;

/// <summary>
/// The tool's WSK client: a registration with a captured provider NPI, and the calls the commands make, each the WSK
/// way (return, then await the IRP on STATUS_PENDING) with a failure turned into an exception that names the call.
/// Every method that opens a socket closes it again if a later step fails, so that <see cref="Dispose"/>
/// (<c>WskDeregister</c>, which waits for the registration's sockets) never waits for one nobody will close.
/// </summary>
internal sealed class WskSession : IDisposable
{
    private readonly WskRegistration _registration;
    private readonly string? _networkNamespace;

    public WskSession(string? networkNamespace = null)
        : this(new WskProviderOptions { NetworkNamespace = networkNamespace })
    {
    }

    public WskSession(WskProviderOptions options)
    {
        _networkNamespace = options.NetworkNamespace;
        NtStatus status = WskApi.WskRegister(new WskClientNpi(null, new WskClientDispatch(WskConstants.WSK_V1_0)),
            options with { LoggerFactory = options.LoggerFactory ?? CliLogging.Factory }, out WskRegistration? registration);
        if (status != NtStatus.Success)
        {
            throw options.NetworkNamespace is { } ns ? NamespaceError($"WskRegister in network namespace '{ns}'", ns, status) : new WskCallException("WskRegister", status);
        }

        _registration = registration!;
        status = WskApi.WskCaptureProviderNPI(_registration, WskConstants.WSK_INFINITE_WAIT, out WskProviderNpi? npi);
        if (status != NtStatus.Success)
        {
            WskApi.WskDeregister(_registration);
            throw new WskCallException("WskCaptureProviderNPI", status);
        }

        Npi = npi!;
    }

    public WskProviderNpi Npi { get; }

    /// <summary>A new socket of <paramref name="category"/> for <paramref name="family"/>.</summary>
    public WskSocket Socket(ushort family, uint category)
    {
        var irp = new Irp();
        NtStatus status = Npi.Dispatch.WskSocket(Npi.Client, family, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP, category, null, null, null, null, null, irp);
        if (status == NtStatus.AccessDenied && _networkNamespace is { } ns)
        {
            // The namespace is entered when the first socket is made there: without root, this is where that fails.
            throw NamespaceError($"WskSocket in network namespace '{ns}'", ns, status);
        }

        Check("WskSocket", status);
        return (WskSocket)irp.IoStatus.Pointer!;
    }

    /// <summary>A connection socket bound to the wildcard address of the server's family, Fast Open on if asked.</summary>
    public WskSocket BoundConnection(SockAddr server, bool fastOpen)
    {
        WskSocket socket = Socket(server.Family, WskConstants.WSK_FLAG_CONNECTION_SOCKET);
        try
        {
            if (fastOpen)
            {
                Check("WskControlSocket(TCP_FASTOPEN)", WskFastOpen.Enable(socket));
            }

            SockAddr any = server.Family == Ws2Def.AF_INET6 ? SockAddr.Inet6(new byte[16], 0) : SockAddr.Inet([0, 0, 0, 0], 0);
            Check("WskBind", Conn(socket).WskBind(socket, any, 0, new Irp()));
            return socket;
        }
        catch
        {
            Close(socket);
            throw;
        }
    }

    /// <summary>A listening socket on <paramref name="local"/>, with the kernel's Fast Open server queue if asked.</summary>
    public WskSocket Listener(SockAddr local, bool fastOpen)
    {
        WskSocket socket = Socket(local.Family, WskConstants.WSK_FLAG_LISTEN_SOCKET);
        try
        {
            if (fastOpen)
            {
                Check("WskControlSocket(TCP_FASTOPEN)", WskFastOpen.Enable(socket));
            }

            NtStatus status = ((WskProviderListenDispatch)socket.Dispatch).WskBind(socket, local, 0, new Irp());
            if (status == NtStatus.AddressAlreadyAssociated)
            {
                throw new WskCallException($"WskBind to {local}", status,
                    $"something already listens on port {local.Port} (ss -ltnp 'sport = :{local.Port}' says what); pick another --port, or --port 0 for any free one");
            }

            Check($"WskBind to {local}", status);
            return socket;
        }
        catch
        {
            Close(socket);
            throw;
        }
    }

    /// <summary>
    /// HOST:PORT, [V6]:PORT or a name and port (<c>localhost:7000</c>) as a SOCKADDR: a literal at once, a name through
    /// <c>WskGetAddressInfo</c>; a malformed one is a usage error naming <paramref name="option"/>.
    /// </summary>
    public async Task<SockAddr> ResolveAsync(string endpoint, string option, CancellationToken ct)
    {
        (string host, int port) = SplitEndPoint(endpoint, option);
        return await ResolveAsync(host, port, ct).ConfigureAwait(false);
    }

    /// <summary><paramref name="host"/> (an address or a name) with <paramref name="port"/>, through <c>WskGetAddressInfo</c>.</summary>
    public async Task<SockAddr> ResolveAsync(string host, int port, CancellationToken ct)
    {
        if (IPAddress.TryParse(host, out IPAddress? literal))
        {
            return SockAddr.FromEndPoint(new IPEndPoint(literal, port));
        }

        var result = new StrongBox<WskAddrInfo?>();
        var irp = new Irp();
        var hints = new WskAddrInfo { Family = Ws2Def.AF_UNSPEC, SocketType = Ws2Def.SOCK_STREAM, Protocol = Ws2Def.IPPROTO_TCP };
        NtStatus returned = Npi.Dispatch.WskGetAddressInfo(Npi.Client, host, port.ToString(CultureInfo.InvariantCulture), Ws2Def.NS_ALL, null, hints,
            result, null, null, irp);
        await CallAsync($"WskGetAddressInfo({host})", returned, irp, ct).ConfigureAwait(false);
        try
        {
            // IPv4 first: the servers this tool talks to (wsk serve, the lab) listen on IPv4 unless told otherwise.
            WskAddrInfo[] entries = [.. result.Value?.AsEnumerable().Where(e => e.Address is not null) ?? []];
            WskAddrInfo? pick = entries.FirstOrDefault(e => e.Family == Ws2Def.AF_INET) ?? entries.FirstOrDefault();
            return pick?.Address ?? throw new WskCallException($"WskGetAddressInfo({host})", NtStatus.NotFound);
        }
        finally
        {
            Npi.Dispatch.WskFreeAddressInfo(Npi.Client, result.Value);
        }
    }

    /// <summary>HOST:PORT or [V6]:PORT split; a missing or bad port is a usage error naming <paramref name="option"/>.</summary>
    public static (string Host, int Port) SplitEndPoint(string text, string option)
    {
        int colon = text.LastIndexOf(':');
        string host = colon > 0 ? text[..colon] : "";
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        else if (host.Contains(':', StringComparison.Ordinal))
        {
            host = ""; // an IPv6 address needs its brackets before :PORT
        }

        string portText = colon > 0 ? text[(colon + 1)..] : "";
        if (host.Length == 0 || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
        {
            throw CliError.Usage(option, $"'{text}' is not a host and port", "give HOST:PORT with a port of 1-65535, e.g. 127.0.0.1:7000, localhost:7000 or [::1]:7000");
        }

        return (host, port);
    }

    public static async Task<uint> ConnectExAsync(WskSocket socket, SockAddr server, byte[]? data, CancellationToken ct)
    {
        var irp = new Irp();
        WskBuf? buffer = data is { Length: > 0 } ? new WskBuf(new Mdl(data)) : null;
        await CallAsync($"WskConnectEx to {server}", Conn(socket).WskConnectEx(socket, server, buffer, 0, irp), irp, ct).ConfigureAwait(false);
        return (uint)irp.IoStatus.Information;
    }

    public static async Task<WskSocket> AcceptAsync(WskSocket listener, CancellationToken ct)
    {
        var irp = new Irp();
        await CallAsync("WskAccept", ((WskProviderListenDispatch)listener.Dispatch).WskAccept(listener, 0, null, null, null, null, irp), irp, ct).ConfigureAwait(false);
        return (WskSocket)irp.IoStatus.Pointer!;
    }

    /// <summary>Receives into <paramref name="buffer"/>: with <paramref name="waitAll"/>, until it is full or the peer closes.</summary>
    public static async Task<int> ReceiveAsync(WskSocket socket, Memory<byte> buffer, bool waitAll, CancellationToken ct)
    {
        var irp = new Irp();
        await CallAsync("WskReceive", Conn(socket).WskReceive(socket, new WskBuf(new Mdl(buffer)), waitAll ? WskConstants.WSK_FLAG_WAITALL : 0, irp), irp, ct).ConfigureAwait(false);
        return (int)irp.IoStatus.Information;
    }

    public static async Task SendAsync(WskSocket socket, Memory<byte> data, CancellationToken ct)
    {
        var irp = new Irp();
        await CallAsync("WskSend", Conn(socket).WskSend(socket, new WskBuf(new Mdl(data)), 0, irp), irp, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs <paramref name="operation"/> with a token that also fires after <paramref name="timeout"/>; the IRP that the
    /// timeout cancels becomes STATUS_IO_TIMEOUT for <paramref name="what"/>, with <paramref name="hint"/>.
    /// </summary>
    public static async Task<T> WithTimeoutAsync<T>(TimeSpan timeout, string what, string hint, Func<CancellationToken, Task<T>> operation, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            return await operation(deadline.Token).ConfigureAwait(false);
        }
        catch (WskCallException ex) when (ex.Status == NtStatus.Cancelled && deadline.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new WskCallException($"{what} (no answer within --timeout {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s)", NtStatus.IoTimeout, hint);
        }
    }

    public static void Close(WskSocket socket) => ((WskProviderBasicDispatch)socket.Dispatch).WskCloseSocket(socket, new Irp());

    /// <summary>The address a listening socket is bound to.</summary>
    public static SockAddr LocalAddress(WskSocket listener)
    {
        Check("WskGetLocalAddress", ((WskProviderListenDispatch)listener.Dispatch).WskGetLocalAddress(listener, out SockAddr address, new Irp()));
        return address;
    }

    /// <summary>A WSK call: its returned status, or on STATUS_PENDING the IRP's final one; cancellation cancels the IRP.</summary>
    public static async Task<NtStatus> CallAsync(string what, NtStatus returned, Irp irp, CancellationToken ct)
    {
        if (returned == NtStatus.Pending)
        {
            using (ct.Register(static state => ((Irp)state!).Cancel(), irp))
            {
                returned = await irp;
            }
        }

        Check(what, returned);
        return returned;
    }

    public static void Check(string what, NtStatus status)
    {
        if (status != NtStatus.Success)
        {
            throw new WskCallException(what, status);
        }
    }

    /// <summary><paramref name="call"/> in a namespace failed: say whether the namespace is missing or root is.</summary>
    private static WskCallException NamespaceError(string call, string ns, NtStatus status)
    {
        string path = ns.Contains('/', StringComparison.Ordinal) ? ns : $"/run/netns/{ns}";
        string hint = !File.Exists(path) ? $"there is no network namespace '{ns}' ({path}); ip netns list names those there are"
            : !Environment.IsPrivilegedProcess ? $"entering a network namespace needs root: {Invocation.Sudo()}"
            : $"the network namespace '{ns}' ({path}) could not be entered";
        return new WskCallException(call, status, hint, ExitCodes.Setup);
    }

    private static WskProviderConnectionDispatch Conn(WskSocket socket) => (WskProviderConnectionDispatch)socket.Dispatch;

    public void Dispose()
    {
        WskApi.WskReleaseProviderNPI(_registration);
        WskApi.WskDeregister(_registration);
    }
}
