using System.Net;
using System.Net.Sockets;
using WskSharp.Nt;
using WskSharp.Ws2;

namespace WskSharp.Internal;

/// <summary>
/// <c>WskGetAddressInfo</c> and <c>WskGetNameInfo</c> over the host's resolver (.NET's <see cref="Dns"/>, which is
/// getaddrinfo/getnameinfo: <c>/etc/hosts</c>, then DNS, as nsswitch says). Literal addresses and port numbers never
/// reach the resolver. Failures map as Windows maps the Winsock errors: a name that does not resolve (EAI_NONAME,
/// WSAHOST_NOT_FOUND) is STATUS_NOT_FOUND, a family the provider does not have (EAI_FAMILY) STATUS_NOT_SUPPORTED, bad flags
/// or hints (EAI_BADFLAGS, WSAEINVAL) STATUS_INVALID_PARAMETER.
/// </summary>
internal static class NameResolution
{
    private const int KnownAddressInfoFlags = Ws2Def.AI_PASSIVE | Ws2Def.AI_CANONNAME | Ws2Def.AI_NUMERICHOST | Ws2Def.AI_NUMERICSERV
        | Ws2Def.AI_ALL | Ws2Def.AI_ADDRCONFIG | Ws2Def.AI_V4MAPPED;

    private const uint KnownNameInfoFlags = Ws2Def.NI_NOFQDN | Ws2Def.NI_NUMERICHOST | Ws2Def.NI_NAMEREQD | Ws2Def.NI_NUMERICSERV | Ws2Def.NI_DGRAM;

    /// <summary>The checks of <c>WskGetAddressInfo</c>'s parameters, before any lookup.</summary>
    public static NtStatus CheckAddressInfo(string? node, string? service, uint nameSpace, Guid? provider, WskAddrInfo? hints)
    {
        if (node is null && service is null)
        {
            return NtStatus.NotFound; // EAI_NONAME: nothing to look up.
        }

        if (nameSpace is not (Ws2Def.NS_ALL or Ws2Def.NS_DNS) || provider is not null)
        {
            return NtStatus.InvalidParameter; // Only the default name spaces, through no particular provider.
        }

        if (hints is null)
        {
            return NtStatus.Success;
        }

        if ((hints.Flags & ~KnownAddressInfoFlags) != 0 || hints.CanonicalName is not null || hints.Address is not null || hints.Next is not null
            || hints.SocketType is not (0 or Ws2Def.SOCK_STREAM) || hints.Protocol is not (0 or Ws2Def.IPPROTO_TCP))
        {
            return NtStatus.InvalidParameter;
        }

        return hints.Family is Ws2Def.AF_UNSPEC or Ws2Def.AF_INET or Ws2Def.AF_INET6 ? NtStatus.Success : NtStatus.NotSupported;
    }

    /// <summary>The checks of <c>WskGetNameInfo</c>'s parameters.</summary>
    public static NtStatus CheckNameInfo(in SockAddr address, bool wantNode, bool wantService, uint flags)
    {
        if (!wantNode && !wantService)
        {
            return NtStatus.NotFound; // EAI_NONAME: nothing asked for.
        }

        if ((flags & ~KnownNameInfoFlags) != 0)
        {
            return NtStatus.InvalidParameter;
        }

        return address.Family is Ws2Def.AF_INET or Ws2Def.AF_INET6 ? NtStatus.Success : NtStatus.NotSupported;
    }

    /// <summary>Resolves <paramref name="node"/> and <paramref name="service"/> to a list of TCP addresses.</summary>
    public static async Task<(NtStatus Status, WskAddrInfo? List)> ResolveAsync(string? node, string? service, WskAddrInfo? hints, CancellationToken cancel)
    {
        int flags = hints?.Flags ?? 0;
        ushort port = 0;
        if (service is not null
            && ((flags & Ws2Def.AI_NUMERICSERV) != 0 ? !ushort.TryParse(service, out port) : !ServicesFile.TryGetPort(service, out port)))
        {
            return (NtStatus.NotFound, null); // EAI_SERVICE / EAI_NONAME.
        }

        IPAddress[] addresses;
        string? canonical = null;
        if (node is null)
        {
            // No node: the wildcard addresses to listen on (AI_PASSIVE), else loopback.
            addresses = (flags & Ws2Def.AI_PASSIVE) != 0 ? [IPAddress.IPv6Any, IPAddress.Any] : [IPAddress.IPv6Loopback, IPAddress.Loopback];
        }
        else if (IPAddress.TryParse(node, out IPAddress? literal))
        {
            addresses = [literal];
            canonical = node;
        }
        else if ((flags & Ws2Def.AI_NUMERICHOST) != 0)
        {
            return (NtStatus.NotFound, null); // Not a literal, and no lookup was allowed.
        }
        else
        {
            try
            {
                if ((flags & Ws2Def.AI_CANONNAME) != 0)
                {
                    IPHostEntry entry = await Dns.GetHostEntryAsync(node, AddressFamily.Unspecified, cancel).ConfigureAwait(false);
                    (addresses, canonical) = (entry.AddressList, entry.HostName);
                }
                else
                {
                    addresses = await Dns.GetHostAddressesAsync(node, AddressFamily.Unspecified, cancel).ConfigureAwait(false);
                }
            }
            catch (SocketException ex)
            {
                return (ResolverStatus(ex), null);
            }
            catch (ArgumentException)
            {
                return (NtStatus.InvalidParameter, null); // A name the resolver cannot take (too long, ...).
            }
        }

        ushort family = hints?.Family ?? Ws2Def.AF_UNSPEC;
        SockAddr[] kept = [.. addresses.Select(a => SockAddr.FromEndPoint(new IPEndPoint(a, port)))
            .Where(a => family == Ws2Def.AF_UNSPEC || a.Family == family)];
        if (kept.Length == 0)
        {
            return (NtStatus.NotFound, null); // Nothing of the family asked for.
        }

        string? firstName = (flags & Ws2Def.AI_CANONNAME) != 0 ? canonical : null;
        WskAddrInfo? list = null;
        for (int i = kept.Length - 1; i >= 0; i--)
        {
            list = new WskAddrInfo
            {
                Flags = flags,
                Family = kept[i].Family,
                SocketType = Ws2Def.SOCK_STREAM,
                Protocol = Ws2Def.IPPROTO_TCP,
                Address = kept[i],
                CanonicalName = i == 0 ? firstName : null, // AI_CANONNAME: on the first entry only.
                Next = list,
            };
        }

        return (NtStatus.Success, list);
    }

    /// <summary>The host name and service name of <paramref name="address"/>.</summary>
    public static async Task<(NtStatus Status, (string? Node, string? Service) Names)> NameOfAsync(SockAddr address, bool wantNode, bool wantService,
        uint flags, CancellationToken cancel)
    {
        IPEndPoint endPoint = address.ToEndPoint();
        string port = endPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string? service = !wantService ? null
            : (flags & Ws2Def.NI_NUMERICSERV) != 0 ? port
            : ServicesFile.NameOf((ushort)endPoint.Port) ?? port;
        string numeric = endPoint.Address.ToString();
        if (!wantNode || (flags & Ws2Def.NI_NUMERICHOST) != 0)
        {
            return (NtStatus.Success, (wantNode ? numeric : null, service));
        }

        string node;
        try
        {
            node = (await Dns.GetHostEntryAsync(numeric, cancel).ConfigureAwait(false)).HostName; // A literal: a reverse lookup.
        }
        catch (SocketException ex)
        {
            if ((flags & Ws2Def.NI_NAMEREQD) != 0)
            {
                return (ResolverStatus(ex), (null, null));
            }

            node = numeric; // No name: the numeric form, as getnameinfo does without NI_NAMEREQD.
        }

        if ((flags & Ws2Def.NI_NOFQDN) != 0 && node != numeric && node.IndexOf('.', StringComparison.Ordinal) is > 0 and int dot)
        {
            node = node[..dot];
        }

        return (NtStatus.Success, (node, service));
    }

    /// <summary>A resolver failure as Windows reports it.</summary>
    private static NtStatus ResolverStatus(SocketException ex) => ex.SocketErrorCode switch
    {
        SocketError.HostNotFound or SocketError.NoData => NtStatus.NotFound,
        SocketError.TryAgain => NtStatus.IoTimeout,
        SocketError.AddressFamilyNotSupported => NtStatus.NotSupported,
        _ => NtStatus.Unsuccessful,
    };
}
