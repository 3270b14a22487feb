using WskSharp.Lab.Wire;

namespace WskSharp.Tests.WireProof;

/// <summary>The Fast Open option decoder the wire-proof tests rely on, on hand-made option lists (no root needed).</summary>
public sealed class TcpFastOpenOptionTests
{
    // MSS 1460, SACK permitted, timestamps, NOP, window scale 7: what Linux puts before the Fast Open option.
    private static readonly byte[] Prefix = [2, 4, 0x05, 0xB4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7];

    [Fact]
    public void Kind_34_of_length_2_is_a_cookie_request()
    {
        TcpFastOpenOption? option = TcpFastOpenOption.Find([.. Prefix, 34, 2, 1, 1]);
        Assert.NotNull(option);
        Assert.Equal(34, option.Kind);
        Assert.True(option.IsCookieRequest);
        Assert.False(option.HasCookie);
    }

    [Fact]
    public void Kind_34_longer_than_2_carries_the_cookie()
    {
        TcpFastOpenOption? option = TcpFastOpenOption.Find([.. Prefix, 34, 10, 0, 0x8a, 0xf0, 0xa7, 0x53, 0x90, 0x4f, 0xdd, 1, 1]);
        Assert.NotNull(option);
        Assert.True(option.HasCookie);
        Assert.Equal(new byte[] { 0, 0x8a, 0xf0, 0xa7, 0x53, 0x90, 0x4f, 0xdd }, option.Cookie);
    }

    [Fact]
    public void Kind_254_with_the_magic_F989_is_the_experimental_option()
    {
        TcpFastOpenOption? request = TcpFastOpenOption.Find([.. Prefix, 254, 4, 0xF9, 0x89]);
        Assert.NotNull(request);
        Assert.Equal(254, request.Kind);
        Assert.True(request.IsCookieRequest);

        TcpFastOpenOption? cookie = TcpFastOpenOption.Find([254, 8, 0xF9, 0x89, 1, 2, 3, 4, 0]);
        Assert.NotNull(cookie);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, cookie.Cookie);
    }

    [Fact]
    public void Kind_254_with_another_magic_and_other_options_are_not_Fast_Open()
    {
        Assert.Null(TcpFastOpenOption.Find([.. Prefix, 254, 6, 0x12, 0x34, 1, 2]));
        Assert.Null(TcpFastOpenOption.Find(Prefix));
        Assert.Null(TcpFastOpenOption.Find([]));
    }

    [Fact]
    public void End_of_list_stops_the_walk()
    {
        Assert.Null(TcpFastOpenOption.Find([1, 0, 34, 2]));
    }

    [Theory]
    [InlineData(new byte[] { 34 })]
    [InlineData(new byte[] { 34, 1 })]
    [InlineData(new byte[] { 34, 12, 1, 2 })]
    [InlineData(new byte[] { 2, 4, 5 })]
    [InlineData(new byte[] { 34, 2, 34, 2 })]
    public void Malformed_lists_are_refused(byte[] options)
    {
        Assert.Throws<FormatException>(() => TcpFastOpenOption.Find(options));
    }
}
