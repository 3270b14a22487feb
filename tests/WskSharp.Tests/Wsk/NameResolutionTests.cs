using System.Runtime.CompilerServices;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Wsk;

/// <summary>
/// WskGetAddressInfo and WskGetNameInfo over the host's resolver, with names this machine answers itself
/// (<c>/etc/hosts</c>' localhost, literals, <c>/etc/services</c>): the list's entries, hints, AI_PASSIVE and AI_CANONNAME,
/// the reverse lookup and its numeric flags, each IRP completed once; then the usual WSK flow, resolve and connect.
/// </summary>
public sealed class NameResolutionTests : IDisposable
{
    private readonly WskTestClient _client = new();

    private async Task<(NtStatus Status, List<WskAddrInfo> Entries)> ResolveAsync(string? node, string? service, WskAddrInfo? hints = null)
    {
        var result = new StrongBox<WskAddrInfo?>();
        var probe = new IrpProbe();
        NtStatus status = await WskTestClient.Complete(
            _client.Npi.Dispatch.WskGetAddressInfo(_client.Npi.Client, node, service, Ws2Def.NS_ALL, null, hints, result, null, null, probe.Irp), probe.Irp);
        Assert.Equal(1, probe.Count);
        List<WskAddrInfo> entries = result.Value?.AsEnumerable().ToList() ?? [];
        _client.Npi.Dispatch.WskFreeAddressInfo(_client.Npi.Client, result.Value);
        return (status, entries);
    }

    private async Task<(NtStatus Status, string? Node, string? Service)> NameOfAsync(SockAddr address, uint flags)
    {
        var node = new StrongBox<string?>();
        var service = new StrongBox<string?>();
        var probe = new IrpProbe();
        NtStatus status = await WskTestClient.Complete(
            _client.Npi.Dispatch.WskGetNameInfo(_client.Npi.Client, address, node, service, flags, null, null, probe.Irp), probe.Irp);
        Assert.Equal(1, probe.Count);
        return (status, node.Value, service.Value);
    }

    [Fact]
    public async Task Localhost_resolves_to_loopback_with_the_port_of_the_service()
    {
        var (status, entries) = await ResolveAsync("localhost", "8080");

        Assert.Equal(NtStatus.Success, status);
        Assert.Contains(entries, e => e.Address == WskTestClient.Loopback(Ws2Def.AF_INET, 8080));
        Assert.All(entries, e =>
        {
            Assert.Equal((Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP, 8080), (e.SocketType, e.Protocol, (int)e.Address!.Value.Port));
            Assert.Equal(e.Family, e.Address.Value.Family);
        });
    }

    [Fact]
    public void A_literal_and_a_service_name_need_no_lookup_and_complete_at_once()
    {
        var result = new StrongBox<WskAddrInfo?>();
        var probe = new IrpProbe();

        NtStatus returned = _client.Npi.Dispatch.WskGetAddressInfo(_client.Npi.Client, "127.0.0.1", "http", Ws2Def.NS_DNS, null, null, result, null, null, probe.Irp);

        Assert.Equal(NtStatus.Success, returned); // Inline: the IRP completed before the call returned.
        Assert.Equal(1, probe.Count);
        WskAddrInfo only = Assert.Single(result.Value!.AsEnumerable());
        Assert.Equal(WskTestClient.Loopback(Ws2Def.AF_INET, 80), only.Address);
    }

    [Fact]
    public async Task Hints_choose_the_family_and_AI_PASSIVE_gives_the_wildcard()
    {
        var (v6, six) = await ResolveAsync("::1", "443", new WskAddrInfo { Family = Ws2Def.AF_INET6 });
        Assert.Equal(NtStatus.Success, v6);
        Assert.Equal(WskTestClient.Loopback(Ws2Def.AF_INET6, 443), Assert.Single(six).Address);

        var (passive, wildcard) = await ResolveAsync(null, "7000", new WskAddrInfo { Flags = Ws2Def.AI_PASSIVE, Family = Ws2Def.AF_INET });
        Assert.Equal(NtStatus.Success, passive);
        Assert.True(Assert.Single(wildcard).Address!.Value.IsWildcard);

        var (active, loopback) = await ResolveAsync(null, "7000", new WskAddrInfo { Family = Ws2Def.AF_INET });
        Assert.Equal(NtStatus.Success, active);
        Assert.Equal(WskTestClient.Loopback(Ws2Def.AF_INET, 7000), Assert.Single(loopback).Address);
    }

    [Fact]
    public async Task AI_CANONNAME_puts_the_canonical_name_on_the_first_entry()
    {
        var (status, entries) = await ResolveAsync("localhost", null, new WskAddrInfo { Flags = Ws2Def.AI_CANONNAME });

        Assert.Equal(NtStatus.Success, status);
        Assert.Equal("localhost", entries[0].CanonicalName);
        Assert.All(entries.Skip(1), e => Assert.Null(e.CanonicalName));
    }

    [Fact]
    public async Task WskGetNameInfo_names_loopback_and_its_port_or_gives_the_numbers_when_asked()
    {
        SockAddr address = WskTestClient.Loopback(Ws2Def.AF_INET, 80);

        var named = await NameOfAsync(address, 0);
        var numeric = await NameOfAsync(address, Ws2Def.NI_NUMERICHOST | Ws2Def.NI_NUMERICSERV);

        Assert.Equal((NtStatus.Success, "localhost", "http"), named);
        Assert.Equal((NtStatus.Success, "127.0.0.1", "80"), numeric);
    }

    [Fact]
    public async Task A_resolved_address_connects_as_a_WSK_driver_uses_it()
    {
        var (listener, address) = _client.CreateListener();
        Task<WskSocket> accepting = _client.AcceptAsync(listener);
        var (status, entries) = await ResolveAsync("localhost", address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            new WskAddrInfo { Family = Ws2Def.AF_INET });
        Assert.Equal(NtStatus.Success, status);

        WskSocket socket = await _client.ConnectAsync(entries[0].Address!.Value, [4, 2]);

        Assert.Equal(new byte[] { 4, 2 }, await WskTestClient.ReceiveAsync(await accepting, 2));
        _ = socket;
    }

    public void Dispose() => _client.Dispose();
}
