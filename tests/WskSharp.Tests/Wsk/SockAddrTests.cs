using System.Net;
using CsCheck;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Wsk;

public class SockAddrTests
{
    [Fact]
    public void SOCKADDR_IN_has_the_Windows_binary_layout()
    {
        SockAddr address = SockAddr.FromEndPoint(new IPEndPoint(IPAddress.Parse("198.18.0.2"), 0x1F90));
        byte[] bytes = address.ToArray();
        Assert.Equal(16, bytes.Length);
        Assert.Equal([2, 0, 0x1F, 0x90, 198, 18, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0], bytes);
    }

    [Fact]
    public void SOCKADDR_IN6_has_the_Windows_binary_layout_with_family_23()
    {
        SockAddr address = SockAddr.Inet6(IPAddress.Parse("2001:2::1").GetAddressBytes(), 443, flowInfo: 7, scopeId: 3);
        byte[] bytes = address.ToArray();
        Assert.Equal(28, bytes.Length);
        Assert.Equal([23, 0, 0x01, 0xBB, 7, 0, 0, 0], bytes[..8]);
        Assert.Equal(IPAddress.Parse("2001:2::1").GetAddressBytes(), bytes[8..24]);
        Assert.Equal([3, 0, 0, 0], bytes[24..]);
    }

    [Fact]
    public void IPv4_round_trips_through_bytes_and_IPEndPoint() =>
        Gen.Select(Gen.Byte.Array[4], Gen.UShort).Sample((addr, port) =>
        {
            SockAddr a = SockAddr.Inet(addr, port);
            Assert.Equal(NtStatus.Success, SockAddr.TryRead(a.ToArray(), out SockAddr b));
            Assert.Equal(a, b);
            Assert.Equal(a, SockAddr.FromEndPoint(b.ToEndPoint()));
        });

    [Fact]
    public void IPv6_round_trips_through_bytes() =>
        Gen.Select(Gen.Byte.Array[16], Gen.UShort, Gen.UInt, Gen.UInt).Sample((addr, port, flow, scope) =>
        {
            SockAddr a = SockAddr.Inet6(addr, port, flow, scope);
            Assert.Equal(NtStatus.Success, SockAddr.TryRead(a.ToArray(), out SockAddr b));
            Assert.Equal(a, b);
            Assert.Equal(a.GetHashCode(), b.GetHashCode());
        });

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 2 })]
    [InlineData(new byte[] { 2, 0, 0, 80, 127, 0, 0, 1 })] // SOCKADDR_IN cut short
    [InlineData(new byte[] { 23, 0, 0, 80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })] // SOCKADDR_IN6 cut short
    [InlineData(new byte[] { 10, 0, 0, 80, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 })] // Linux's AF_INET6, not Windows'
    [InlineData(new byte[] { 0, 0, 0, 80, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 })] // AF_UNSPEC
    public void Malformed_bytes_are_STATUS_INVALID_PARAMETER(byte[] bytes)
    {
        Assert.Equal(NtStatus.InvalidParameter, SockAddr.TryRead(bytes, out SockAddr address));
        Assert.Equal(Ws2Def.AF_UNSPEC, address.Family);
    }

    [Fact]
    public void Writing_into_a_short_buffer_writes_nothing()
    {
        SockAddr address = SockAddr.Inet([127, 0, 0, 1], 80);
        Assert.Equal(0, address.WriteTo(new byte[15]));
        Assert.Equal(16, address.WriteTo(new byte[16]));
    }

    [Fact]
    public void Wildcard_is_recognised()
    {
        Assert.True(SockAddr.Inet([0, 0, 0, 0], 80).IsWildcard);
        Assert.True(SockAddr.Inet6(new byte[16], 80).IsWildcard);
        Assert.False(SockAddr.Inet([127, 0, 0, 1], 80).IsWildcard);
    }
}
