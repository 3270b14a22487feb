using WskSharp.Nt;
using WskSharp.Wsk;

namespace WskSharp.Net;

/// <summary>
/// The .NET face's WSK client: one registration (<c>WskRegister</c> + <c>WskCaptureProviderNPI</c>) per network namespace
/// it is asked for, shared by every <see cref="WskConnection"/> and <see cref="WskListener"/> made through it, so a process
/// does not register per connection. <see cref="Default"/> serves the whole process; a provider of your own (with
/// <see cref="WskProviderOptions"/>, or for a namespace that lives shorter than the process) is disposed when done, which
/// closes what it still has open and deregisters.
/// </summary>
public sealed class WskNetProvider : IDisposable
{
    private static readonly Lazy<WskNetProvider> s_default = new(() => new WskNetProvider(null, isDefault: true));

    private readonly Lock _lock = new();
    private readonly Dictionary<string, WskProviderNpi> _npis = new(StringComparer.Ordinal);
    private readonly List<WskRegistration> _registrations = [];
    private readonly HashSet<IWskNetResource> _open = [];
    private readonly bool _isDefault;
    private bool _disposed;

    /// <summary>A provider whose registrations use <paramref name="options"/> (null: the defaults, the process's own namespace).</summary>
    public WskNetProvider(WskProviderOptions? options = null)
        : this(options, isDefault: false)
    {
    }

    private WskNetProvider(WskProviderOptions? options, bool isDefault)
    {
        Options = options ?? new WskProviderOptions();
        _isDefault = isDefault;
    }

    /// <summary>The process-wide provider that calls without one use. Disposing it does nothing: it lives as long as the process.</summary>
    public static WskNetProvider Default => s_default.Value;

    /// <summary>The options each registration is made with (a connection's <see cref="WskConnectOptions.NetworkNamespace"/>
    /// replaces <see cref="WskProviderOptions.NetworkNamespace"/>).</summary>
    public WskProviderOptions Options { get; }

    /// <summary>Connections and listeners made through this provider and not yet disposed.</summary>
    public int OpenCount
    {
        get
        {
            lock (_lock)
            {
                return _open.Count;
            }
        }
    }

    /// <summary>The captured provider NPI for <paramref name="networkNamespace"/> (null: the options' own), registering once.</summary>
    /// <exception cref="ObjectDisposedException">The provider is disposed.</exception>
    /// <exception cref="WskException">WskRegister or WskCaptureProviderNPI failed (e.g. no such namespace).</exception>
    internal WskProviderNpi GetNpi(string? networkNamespace)
    {
        string? ns = networkNamespace ?? Options.NetworkNamespace;
        string key = ns ?? "";
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_npis.TryGetValue(key, out WskProviderNpi? npi))
            {
                return npi;
            }

            WskProviderOptions options = ns == Options.NetworkNamespace ? Options : Options with { NetworkNamespace = ns };
            NtStatus status = WskApi.WskRegister(new WskClientNpi(this, new WskClientDispatch(WskConstants.WSK_V1_0)), options,
                out WskRegistration? registration);
            if (!status.IsSuccess)
            {
                throw WskStatusMapping.ToException(status, "WskRegister", ns is null ? null : $"network namespace '{ns}'", default);
            }

            status = WskApi.WskCaptureProviderNPI(registration!, WskConstants.WSK_NO_WAIT, out npi);
            if (!status.IsSuccess)
            {
                WskApi.WskDeregister(registration!);
                throw WskStatusMapping.ToException(status, "WskCaptureProviderNPI", null, default);
            }

            _registrations.Add(registration!);
            _npis.Add(key, npi!);
            return npi!;
        }
    }

    /// <summary>Counts <paramref name="resource"/> as open; false (and nothing counted) once the provider is disposed.</summary>
    internal bool TryAdd(IWskNetResource resource)
    {
        lock (_lock)
        {
            return !_disposed && _open.Add(resource);
        }
    }

    internal void Remove(IWskNetResource resource)
    {
        lock (_lock)
        {
            _open.Remove(resource);
        }
    }

    /// <summary>
    /// Closes every connection and listener still open through this provider (their pending requests complete with
    /// STATUS_CANCELLED), then releases the NPIs and deregisters. Nothing for <see cref="Default"/>.
    /// </summary>
    public void Dispose()
    {
        if (_isDefault)
        {
            return;
        }

        IWskNetResource[] open;
        WskRegistration[] registrations;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            open = [.. _open];
            registrations = [.. _registrations];
            _open.Clear();
            _npis.Clear();
            _registrations.Clear();
        }

        foreach (IWskNetResource resource in open)
        {
            resource.CloseFromProvider();
        }

        foreach (WskRegistration registration in registrations)
        {
            WskApi.WskReleaseProviderNPI(registration);
            WskApi.WskDeregister(registration); // Waits for sockets still closing; every one tracked here is closed above.
        }
    }
}

/// <summary>A connection or listener a <see cref="WskNetProvider"/> closes when it is disposed.</summary>
internal interface IWskNetResource
{
    /// <summary>Closes the socket (WskCloseSocket) without waiting for anything.</summary>
    void CloseFromProvider();
}
