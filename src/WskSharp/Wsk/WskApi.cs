using Microsoft.Extensions.Logging;
using WskSharp.FastOpen;
using WskSharp.Nt;
using WskSharp.Transport;

namespace WskSharp.Wsk;

#pragma warning disable CA1707 // wsk.h names.

/// <summary>
/// The registration functions of the WSK Network Programming Interface: <c>WskRegister</c>,
/// <c>WskCaptureProviderNPI</c>, <c>WskReleaseProviderNPI</c>, <c>WskDeregister</c>. With
/// <c>using static WskSharp.Wsk.WskApi;</c> they read as in C.
/// </summary>
public static class WskApi
{
    /// <summary>Registers a WSK client with the provider of this process (the host's own network namespace).</summary>
    /// <returns><see cref="NtStatus.Success"/>, or <see cref="NtStatus.InvalidParameter"/> for a missing NPI or dispatch.</returns>
    public static NtStatus WskRegister(WskClientNpi clientNpi, out WskRegistration? registration)
        => WskRegister(clientNpi, null, out registration);

    /// <summary>Registers a WSK client with WskSharp-specific <paramref name="options"/> (e.g. a network namespace).</summary>
    /// <returns><see cref="NtStatus.Success"/>; <see cref="NtStatus.InvalidParameter"/> for a missing NPI or dispatch, or
    /// Fast Open settings out of range (backoff minimum not positive, maximum below it or above
    /// <see cref="WskProviderOptions.MaxFastOpenBackoff"/>, capacity below 1); for the network namespace:
    /// <see cref="NtStatus.InvalidParameter"/> if there is no such file, <see cref="NtStatus.AccessDenied"/> if it may not be
    /// opened, <see cref="NtStatus.ObjectTypeMismatch"/> if the file is not a network namespace.</returns>
    public static NtStatus WskRegister(WskClientNpi clientNpi, WskProviderOptions? options, out WskRegistration? registration)
    {
        registration = null;
        if (clientNpi?.Dispatch is null)
        {
            return NtStatus.InvalidParameter;
        }

        if (options?.HostStack is not null && options.NetworkNamespace is not null)
        {
            return NtStatus.InvalidParameter; // A namespace is a Linux stack's; a given stack has its own addresses.
        }

        if (options is not null && options.FastOpenBackoffMaximum > WskProviderOptions.MaxFastOpenBackoff)
        {
            return NtStatus.InvalidParameter; // Backoffs are added to the clock: a bound keeps them in range.
        }

        int eventLoops = options?.EventLoopCount ?? WskProviderOptions.DefaultEventLoopCount;
        if (eventLoops is < 1 or > WskProviderOptions.MaxEventLoopCount)
        {
            return NtStatus.InvalidParameter;
        }

        // A given stack (the simulated network) is its owner's; the default one, chosen by the transport, is this registration's,
        // and so are its event loops: WskDeregister stops them (no loop outlives its users).
        IHostStack? stack = options?.HostStack;
        IDisposable? owned = null;
        if (stack is null)
        {
            var stackOptions = new HostStackOptions { NetworkNamespace = options?.NetworkNamespace, EventLoopCount = eventLoops };
            NtStatus opened = HostStacks.Open(stackOptions, options?.LoggerFactory?.CreateLogger("WskSharp.Transport"), out stack);
            if (opened != NtStatus.Success)
            {
                return opened;
            }

            owned = stack as IDisposable;
        }

        try
        {
            registration = new WskRegistration(clientNpi, stack!, owned, options ?? new WskProviderOptions());
        }
        catch (ArgumentException)
        {
            owned?.Dispose();
            return NtStatus.InvalidParameter; // Fast Open backoff settings out of range.
        }

        return NtStatus.Success;
    }

    /// <summary>
    /// Captures the provider NPI. The provider of a process is always ready, so <paramref name="waitTimeout"/>
    /// (<see cref="WskConstants.WSK_NO_WAIT"/>, <see cref="WskConstants.WSK_INFINITE_WAIT"/>, or milliseconds) never waits.
    /// </summary>
    /// <returns><see cref="NtStatus.Success"/>; <see cref="NtStatus.NoInterface"/> if the client asked for a major
    /// version other than 1; <see cref="NtStatus.DeviceNotReady"/> once WskDeregister has been called.</returns>
    public static NtStatus WskCaptureProviderNPI(WskRegistration registration, uint waitTimeout, out WskProviderNpi? providerNpi)
    {
        _ = waitTimeout;
        providerNpi = null;
        if (registration is null)
        {
            return NtStatus.InvalidParameter;
        }

        if (registration.ClientNpi.Dispatch.Version >> 8 != 1)
        {
            return NtStatus.NoInterface;
        }

        if (!registration.TryCapture())
        {
            return NtStatus.DeviceNotReady;
        }

        providerNpi = new WskProviderNpi(registration.Client, WskProvider.ProviderDispatch);
        return NtStatus.Success;
    }

    /// <summary>Releases a capture made by <see cref="WskCaptureProviderNPI"/>.</summary>
    public static void WskReleaseProviderNPI(WskRegistration registration) => registration?.Release();

    /// <summary>
    /// Deregisters: new captures and sockets are refused at once, then this waits until every captured NPI is
    /// released and every socket closed, as on Windows.
    /// </summary>
    public static void WskDeregister(WskRegistration registration)
    {
        if (registration is null)
        {
            return;
        }

        registration.BeginDeregister();
        registration.Client.WaitForSockets();
        registration.Client.FastOpenMemory.Flush(); // What this process learned outlives it, where a memory file is set.
        registration.OwnedStack?.Dispose();
    }
}
