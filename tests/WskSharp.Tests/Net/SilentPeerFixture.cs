using System.Net;
using WskSharp.Lab;

namespace WskSharp.Tests.Net;

/// <summary>
/// A network namespace with an address whose SYNs are never answered: a veth pair (both ends inside) carries
/// 198.18.77.1/24, and a permanent neighbour entry gives <see cref="Address"/> a MAC no interface has, so each SYN leaves
/// and is dropped by the peer end (not addressed to it), without an ARP failure or an ICMP error to end the connect early.
/// A connect there waits for the kernel's ~127 s SYN retry limit: only a timeout or a cancellation ends it sooner.
/// Where the process cannot make one (not root, no iproute2) <see cref="SkipReason"/> says why.
/// </summary>
public sealed class SilentPeerFixture : IDisposable
{
    public SilentPeerFixture()
    {
        SkipReason = NetworkNamespace.WhyNot is { } why ? $"The silent-peer tests need a network namespace: {why}" : null;
        if (SkipReason is null)
        {
            Namespace = NetworkNamespace.Create("wsk-silent");
            try
            {
                string ns = Namespace.Name;
                NetworkNamespace.Run("ip", "-n", ns, "link", "add", "silent0", "type", "veth", "peer", "name", "silent1");
                NetworkNamespace.Run("ip", "-n", ns, "addr", "add", "198.18.77.1/24", "dev", "silent0");
                NetworkNamespace.Run("ip", "-n", ns, "link", "set", "silent0", "up");
                NetworkNamespace.Run("ip", "-n", ns, "link", "set", "silent1", "up");
                NetworkNamespace.Run("ip", "-n", ns, "neigh", "add", Address.ToString(), "lladdr", "02:00:00:00:77:02", "dev", "silent0", "nud", "permanent");
            }
            catch
            {
                Namespace.Dispose();
                throw;
            }
        }
    }

    /// <summary>The address nothing answers: 198.18.77.2.</summary>
    public static IPAddress Address { get; } = IPAddress.Parse("198.18.77.2");

    public NetworkNamespace? Namespace { get; }

    public string? SkipReason { get; }

    /// <summary>The namespace, or a skip (with the reason) where none can be made.</summary>
    public NetworkNamespace Require()
    {
        if (Namespace is null)
        {
            Assert.Skip(SkipReason!);
        }

        return Namespace!;
    }

    public void Dispose() => Namespace?.Dispose();
}
