using System.Buffers.Binary;
using System.Reflection;
using System.Runtime.InteropServices;
using WskSharp.Nt;
using WskSharp.Tests.Reliability;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Wsk;

/// <summary>
/// Each socket option set through WskControlSocket, read back from the Linux kernel itself: getsockopt on the host
/// descriptor with Linux's own level and name. Reading back through WskGetOption goes through the same option table as the
/// set, so a wrong row (one Windows option sent to another Linux option) would read back as set; only the kernel shows it.
/// In the Reliability collection: it opens sockets that descriptor counts see.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed partial class KernelOptionReadBackTests
{
    // Linux's levels and names (<sys/socket.h>, <netinet/in.h>, <netinet/tcp.h>), written out here, not taken from the library's table.
    private const int SOL_SOCKET = 1, SO_REUSEADDR = 2, SO_BROADCAST = 6, SO_SNDBUF = 7, SO_RCVBUF = 8, SO_KEEPALIVE = 9;
    private const int IPPROTO_IP = 0, IP_TTL = 2, IP_PKTINFO = 8;
    private const int IPPROTO_TCP = 6, TCP_NODELAY = 1, TCP_KEEPIDLE = 4, TCP_KEEPINTVL = 5, TCP_KEEPCNT = 6;
    private const int IPPROTO_IPV6 = 41, IPV6_UNICAST_HOPS = 16, IPV6_V6ONLY = 26, IPV6_RECVPKTINFO = 49;

    private static NtStatus SetOpt(WskSocket socket, uint level, uint name, uint value)
    {
        byte[] input = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(input, value);
        return ((WskProviderBasicDispatch)socket.Dispatch).WskControlSocket(socket, WskControlSocketType.WskSetOption, name, level,
            4, input, 0, default, out _, null);
    }

    /// <summary>The host descriptor under a WSK socket of the Linux transport.</summary>
    private static SafeHandle HostHandle(WskSocket socket)
    {
        object engine = (object?)socket.Datagram ?? socket.Engine;
        object? host = engine.GetType().GetField("_host", BindingFlags.Instance | BindingFlags.NonPublic)?.GetValue(engine);
        Assert.True(host is not null, $"{engine.GetType().Name} keeps its host socket in _host");
        if (host is SafeHandle handle)
        {
            return handle; // The stream socket is its own SafeHandle.
        }

        object? fd = host.GetType().GetField("_fd", BindingFlags.Instance | BindingFlags.NonPublic)?.GetValue(host);
        return Assert.IsAssignableFrom<SafeHandle>(fd);
    }

    private static int KernelValue(WskSocket socket, int level, int name)
    {
        SafeHandle handle = HostHandle(socket);
        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            int value = 0;
            int length = sizeof(int);
            int rc = getsockopt((int)handle.DangerousGetHandle(), level, name, ref value, ref length);
            Assert.True(rc == 0, $"getsockopt({level}, {name}): errno {Marshal.GetLastPInvokeError()}");
            return value;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    [Theory]
    [InlineData(Ws2Def.AF_INET, WskConstants.WSK_FLAG_CONNECTION_SOCKET)]
    [InlineData(Ws2Def.AF_INET6, WskConstants.WSK_FLAG_LISTEN_SOCKET)]
    [InlineData(Ws2Def.AF_INET, WskConstants.WSK_FLAG_BASIC_SOCKET)]
    [InlineData(Ws2Def.AF_INET6, WskConstants.WSK_FLAG_STREAM_SOCKET)]
    public void Each_stream_option_set_is_what_the_kernel_holds_under_its_Linux_name(ushort family, uint category)
    {
        using var client = new WskTestClient();
        WskSocket socket = client.CreateSocket(family, category, null, null);
        bool v6 = family == Ws2Def.AF_INET6;
        if (v6)
        {
            Assert.Equal(1, KernelValue(socket, IPPROTO_IPV6, IPV6_V6ONLY)); // Windows' default, whatever Linux's sysctl says.
        }

        // Values unlike each other and unlike Linux's defaults, so a row that sends one option to another shows.
        (uint Level, uint Name, uint Value, int LinuxLevel, int LinuxName, int InKernel)[] options =
        [
            (Ws2Def.SOL_SOCKET, Ws2Def.SO_KEEPALIVE, 1, SOL_SOCKET, SO_KEEPALIVE, 1),
            (Ws2Def.IPPROTO_TCP, Ws2Def.TCP_KEEPALIVE, 31, IPPROTO_TCP, TCP_KEEPIDLE, 31),
            (Ws2Def.IPPROTO_TCP, Ws2Def.TCP_KEEPINTVL, 7, IPPROTO_TCP, TCP_KEEPINTVL, 7),
            (Ws2Def.IPPROTO_TCP, Ws2Def.TCP_KEEPCNT, 3, IPPROTO_TCP, TCP_KEEPCNT, 3),
            (Ws2Def.IPPROTO_TCP, Ws2Def.TCP_NODELAY, 1, IPPROTO_TCP, TCP_NODELAY, 1),
            (Ws2Def.SOL_SOCKET, Ws2Def.SO_RCVBUF, 40_000, SOL_SOCKET, SO_RCVBUF, 80_000), // Linux keeps (and reports) double.
            (Ws2Def.SOL_SOCKET, Ws2Def.SO_SNDBUF, 50_000, SOL_SOCKET, SO_SNDBUF, 100_000),
            (Ws2Def.SOL_SOCKET, Ws2Def.SO_REUSEADDR, 1, SOL_SOCKET, SO_REUSEADDR, 1),
            v6 ? (Ws2Def.IPPROTO_IPV6, Ws2Def.IPV6_UNICAST_HOPS, 19u, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 19)
               : (Ws2Def.IPPROTO_IP, Ws2Def.IP_TTL, 19u, IPPROTO_IP, IP_TTL, 19),
        ];
        foreach (var (level, name, value, linuxLevel, linuxName, inKernel) in options)
        {
            Assert.Equal(NtStatus.Success, SetOpt(socket, level, name, value));
            Assert.True(inKernel == KernelValue(socket, linuxLevel, linuxName),
                $"Windows option ({level}, {name}) = {value}: the kernel's ({linuxLevel}, {linuxName}) is {KernelValue(socket, linuxLevel, linuxName)}, expected {inKernel}");
        }

        if (v6)
        {
            Assert.Equal(NtStatus.Success, SetOpt(socket, Ws2Def.IPPROTO_IPV6, Ws2Def.IPV6_V6ONLY, 0));
            Assert.Equal(0, KernelValue(socket, IPPROTO_IPV6, IPV6_V6ONLY));
        }
    }

    [Theory]
    [InlineData(Ws2Def.AF_INET)]
    [InlineData(Ws2Def.AF_INET6)]
    public void Each_datagram_option_set_is_what_the_kernel_holds_under_its_Linux_name(ushort family)
    {
        using var client = new WskTestClient();
        WskSocket socket = client.CreateDatagram(family);
        bool v6 = family == Ws2Def.AF_INET6;
        Assert.Equal(0, KernelValue(socket, SOL_SOCKET, SO_BROADCAST));
        if (v6)
        {
            Assert.Equal(1, KernelValue(socket, IPPROTO_IPV6, IPV6_V6ONLY)); // Windows' default for datagram sockets too.
            Assert.Equal(NtStatus.Success, SetOpt(socket, Ws2Def.IPPROTO_IPV6, Ws2Def.IPV6_V6ONLY, 0));
            Assert.Equal(0, KernelValue(socket, IPPROTO_IPV6, IPV6_V6ONLY));
        }

        (uint Level, uint Name, uint Value, int LinuxLevel, int LinuxName, int InKernel)[] options =
        [
            (Ws2Def.SOL_SOCKET, Ws2Def.SO_BROADCAST, 1, SOL_SOCKET, SO_BROADCAST, 1),
            (Ws2Def.SOL_SOCKET, Ws2Def.SO_RCVBUF, 40_000, SOL_SOCKET, SO_RCVBUF, 80_000),
            (Ws2Def.SOL_SOCKET, Ws2Def.SO_SNDBUF, 50_000, SOL_SOCKET, SO_SNDBUF, 100_000),
            v6 ? (Ws2Def.IPPROTO_IPV6, Ws2Def.IPV6_PKTINFO, 1u, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1)
               : (Ws2Def.IPPROTO_IP, Ws2Def.IP_PKTINFO, 1u, IPPROTO_IP, IP_PKTINFO, 1),
            (Ws2Def.SOL_SOCKET, Ws2Def.SO_REUSEADDR, 1, SOL_SOCKET, SO_REUSEADDR, 1),
            v6 ? (Ws2Def.IPPROTO_IPV6, Ws2Def.IPV6_UNICAST_HOPS, 21u, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 21)
               : (Ws2Def.IPPROTO_IP, Ws2Def.IP_TTL, 21u, IPPROTO_IP, IP_TTL, 21),
        ];
        foreach (var (level, name, value, linuxLevel, linuxName, inKernel) in options)
        {
            Assert.Equal(NtStatus.Success, SetOpt(socket, level, name, value));
            Assert.True(inKernel == KernelValue(socket, linuxLevel, linuxName),
                $"Windows option ({level}, {name}) = {value}: the kernel's ({linuxLevel}, {linuxName}) is {KernelValue(socket, linuxLevel, linuxName)}, expected {inKernel}");
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getsockopt(int fd, int level, int name, ref int value, ref int length);
}
