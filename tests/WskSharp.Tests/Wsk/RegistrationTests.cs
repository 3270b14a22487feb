using System.Net;
using System.Net.Sockets;
using WskSharp.Lab;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Wsk;

/// <summary>
/// WskRegister / WskCaptureProviderNPI / WskReleaseProviderNPI / WskDeregister, and WskSocket's own checks. Each test
/// makes its own registration; a WskDeregister that must block runs on another thread, and "has not returned" is a
/// bounded wait that must time out, never an assertion on speed.
/// </summary>
public sealed class RegistrationTests(NamespaceFixture fixture) : IClassFixture<NamespaceFixture>
{
    private static readonly TimeSpan StillBlocked = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(20);

    private static WskClientNpi ClientNpi(ushort version = WskConstants.WSK_V1_0) => new(null, new WskClientDispatch(version));

    private static WskRegistration Register(ushort version = WskConstants.WSK_V1_0)
    {
        Assert.Equal(NtStatus.Success, WskApi.WskRegister(ClientNpi(version), out WskRegistration? registration));
        return Assert.IsType<WskRegistration>(registration);
    }

    private static WskProviderNpi Capture(WskRegistration registration)
    {
        Assert.Equal(NtStatus.Success, WskApi.WskCaptureProviderNPI(registration, WskConstants.WSK_NO_WAIT, out WskProviderNpi? npi));
        return Assert.IsType<WskProviderNpi>(npi);
    }

    /// <summary>WskSocket through <paramref name="npi"/>: the returned status, with the IRP checked against it.</summary>
    private static NtStatus CreateSocket(WskProviderNpi npi, out WskSocket? socket, ushort family = Ws2Def.AF_INET,
        ushort type = Ws2Def.SOCK_STREAM, uint protocol = Ws2Def.IPPROTO_TCP, uint flags = WskConstants.WSK_FLAG_CONNECTION_SOCKET)
    {
        var probe = new IrpProbe();
        NtStatus returned = npi.Dispatch.WskSocket(npi.Client, family, type, protocol, flags, null, null, null, null, null, probe.Irp);
        Assert.NotEqual(NtStatus.Pending, returned); // WskSocket completes inline.
        Assert.Equal(returned, probe.Irp.IoStatus.Status);
        Assert.Equal(1, probe.Count);
        Assert.Equal(0u, probe.Irp.IoStatus.Information);
        socket = probe.Irp.IoStatus.Pointer as WskSocket;
        if (returned.IsSuccess)
        {
            Assert.NotNull(socket);
        }
        else
        {
            Assert.Null(probe.Irp.IoStatus.Pointer); // The sentinel pointer is gone and no socket is handed out.
        }

        return returned;
    }

    private static void Close(WskSocket socket) =>
        Assert.Equal(NtStatus.Success, ((WskProviderBasicDispatch)socket.Dispatch).WskCloseSocket(socket, new Irp()));

    /// <summary>Asserts <paramref name="deregister"/> is still blocked after a bounded wait.</summary>
    private static async Task AssertStillBlockedAsync(Task deregister, string because)
    {
        Task first = await Task.WhenAny(deregister, Task.Delay(StillBlocked, TestContext.Current.CancellationToken));
        Assert.False(ReferenceEquals(first, deregister), $"WskDeregister returned while {because}");
    }

    [Fact]
    public async Task Register_capture_release_deregister_succeeds()
    {
        WskClientNpi clientNpi = ClientNpi();
        Assert.Equal(NtStatus.Success, WskApi.WskRegister(clientNpi, out WskRegistration? registration));
        Assert.NotNull(registration);
        Assert.Same(clientNpi, registration.ClientNpi);

        WskProviderNpi npi = Capture(registration);
        Assert.NotNull(npi.Client);
        Assert.Equal(WskConstants.MAKE_WSK_VERSION(1, 0), npi.Dispatch.Version);
        Assert.Equal((ushort)0x0100, npi.Dispatch.Version);
        Assert.Equal(NtStatus.Success, CreateSocket(npi, out WskSocket? socket));
        Assert.Equal(1, npi.Client.OpenSockets);
        Close(socket!);
        Assert.Equal(0, npi.Client.OpenSockets);

        WskApi.WskReleaseProviderNPI(registration);
        await Task.Run(() => WskApi.WskDeregister(registration), TestContext.Current.CancellationToken)
            .WaitAsync(HangGuard, TestContext.Current.CancellationToken);
    }

    [Fact]
    public void Capture_with_WSK_INFINITE_WAIT_does_not_wait_for_a_ready_provider()
    {
        WskRegistration registration = Register();
        Assert.Equal(NtStatus.Success, WskApi.WskCaptureProviderNPI(registration, WskConstants.WSK_INFINITE_WAIT, out WskProviderNpi? npi));
        Assert.NotNull(npi);
        WskApi.WskReleaseProviderNPI(registration);
        WskApi.WskDeregister(registration);
    }

    [Theory]
    [InlineData((ushort)0x0200)] // 2.0
    [InlineData((ushort)0x0001)] // 0.1
    public void A_client_asking_for_another_major_version_gets_STATUS_NOINTERFACE(ushort version)
    {
        WskRegistration registration = Register(version);

        Assert.Equal(NtStatus.NoInterface, WskApi.WskCaptureProviderNPI(registration, WskConstants.WSK_NO_WAIT, out WskProviderNpi? npi));

        Assert.Null(npi);
        WskApi.WskDeregister(registration); // Nothing was captured: returns at once.
    }

    [Fact]
    public void Capture_after_WskDeregister_is_STATUS_DEVICE_NOT_READY()
    {
        WskRegistration registration = Register();
        WskApi.WskDeregister(registration);

        Assert.Equal(NtStatus.DeviceNotReady, WskApi.WskCaptureProviderNPI(registration, WskConstants.WSK_NO_WAIT, out WskProviderNpi? npi));
        Assert.Null(npi);
    }

    [Fact]
    public async Task WskDeregister_waits_until_every_captured_NPI_is_released_and_refuses_new_work_meanwhile()
    {
        WskRegistration registration = Register();
        WskProviderNpi npi = Capture(registration);
        Capture(registration); // Two captures: both must be released.
        Task deregister = Task.Run(() => WskApi.WskDeregister(registration), TestContext.Current.CancellationToken);
        try
        {
            await AssertStillBlockedAsync(deregister, "two captures were held");

            // Deregistration has begun: no new capture, no new socket.
            Assert.Equal(NtStatus.DeviceNotReady, WskApi.WskCaptureProviderNPI(registration, WskConstants.WSK_NO_WAIT, out WskProviderNpi? late));
            Assert.Null(late);
            Assert.Equal(NtStatus.DeviceNotReady, CreateSocket(npi, out _));
            Assert.Equal(0, npi.Client.OpenSockets);

            WskApi.WskReleaseProviderNPI(registration);
            await AssertStillBlockedAsync(deregister, "one capture was still held");
        }
        finally
        {
            WskApi.WskReleaseProviderNPI(registration);
            WskApi.WskReleaseProviderNPI(registration);
        }

        await deregister.WaitAsync(HangGuard, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task WskDeregister_waits_until_every_socket_is_closed()
    {
        WskRegistration registration = Register();
        WskProviderNpi npi = Capture(registration);
        Assert.Equal(NtStatus.Success, CreateSocket(npi, out WskSocket? first));
        Assert.Equal(NtStatus.Success, CreateSocket(npi, out WskSocket? second, Ws2Def.AF_INET6));
        WskApi.WskReleaseProviderNPI(registration);
        Task deregister = Task.Run(() => WskApi.WskDeregister(registration), TestContext.Current.CancellationToken);
        try
        {
            await AssertStillBlockedAsync(deregister, "two sockets were open");
            Close(first!);
            await AssertStillBlockedAsync(deregister, "one socket was open");

            // The open socket still works while deregistration waits for it.
            Assert.Equal(NtStatus.Success, WskTestClient.Connection(second!).WskBind(second!, WskTestClient.Loopback(Ws2Def.AF_INET6, 0), 0, new Irp()));
        }
        finally
        {
            WskTestClient.Connection(first!).Basic.WskCloseSocket(first!, new Irp());
            WskTestClient.Connection(second!).Basic.WskCloseSocket(second!, new Irp());
        }

        await deregister.WaitAsync(HangGuard, TestContext.Current.CancellationToken);
        Assert.Equal(0, npi.Client.OpenSockets);
    }

    [Fact]
    public void A_missing_NPI_or_dispatch_is_STATUS_INVALID_PARAMETER()
    {
        Assert.Equal(NtStatus.InvalidParameter, WskApi.WskRegister(null!, out WskRegistration? registration));
        Assert.Null(registration);
        Assert.Equal(NtStatus.InvalidParameter, WskApi.WskRegister(new WskClientNpi(null, null!), out registration));
        Assert.Null(registration);
        Assert.Equal(NtStatus.InvalidParameter, WskApi.WskCaptureProviderNPI(null!, WskConstants.WSK_NO_WAIT, out WskProviderNpi? npi));
        Assert.Null(npi);
    }

    [Fact]
    public void A_network_namespace_that_does_not_exist_is_STATUS_INVALID_PARAMETER()
    {
        var options = new WskProviderOptions { NetworkNamespace = $"wsk-no-such-namespace-{Environment.ProcessId}" };
        Assert.Equal(NtStatus.InvalidParameter, WskApi.WskRegister(ClientNpi(), options, out WskRegistration? registration));
        Assert.Null(registration);
    }

    [Fact]
    public void WskSocket_with_no_client_is_STATUS_INVALID_HANDLE_as_on_Windows()
    {
        WskRegistration registration = Register();
        WskProviderNpi npi = Capture(registration);
        var probe = new IrpProbe();

        NtStatus returned = npi.Dispatch.WskSocket(null!, Ws2Def.AF_INET, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP,
            WskConstants.WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, probe.Irp);

        Assert.Equal(NtStatus.InvalidHandle, returned);
        Assert.Equal(NtStatus.InvalidHandle, probe.Irp.IoStatus.Status);
        Assert.Null(probe.Irp.IoStatus.Pointer);
        Assert.Equal(1, probe.Count);
        WskApi.WskReleaseProviderNPI(registration);
        WskApi.WskDeregister(registration);
    }

    /// <summary>What WskProvider.CreateSocket documents: a family, type, protocol or flag outside what it accepts is
    /// STATUS_INVALID_PARAMETER (every category is provided now: basic, listen, connection, stream, datagram).</summary>
    public static TheoryData<string, ushort, ushort, uint, uint, uint> BadSockets => new()
    {
        { "family 99", 99, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP, WskConstants.WSK_FLAG_CONNECTION_SOCKET, 0xC000000D },
        { "AF_UNSPEC", Ws2Def.AF_UNSPEC, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP, WskConstants.WSK_FLAG_CONNECTION_SOCKET, 0xC000000D },
        { "Linux's AF_INET6 (10)", 10, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP, WskConstants.WSK_FLAG_CONNECTION_SOCKET, 0xC000000D },
        { "SOCK_DGRAM for a connection socket", Ws2Def.AF_INET, Ws2Def.SOCK_DGRAM, Ws2Def.IPPROTO_UDP, WskConstants.WSK_FLAG_CONNECTION_SOCKET, 0xC000000D },
        { "SOCK_DGRAM with TCP", Ws2Def.AF_INET, Ws2Def.SOCK_DGRAM, Ws2Def.IPPROTO_TCP, WskConstants.WSK_FLAG_STREAM_SOCKET, 0xC000000D },
        { "UDP over SOCK_STREAM", Ws2Def.AF_INET, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_UDP, WskConstants.WSK_FLAG_CONNECTION_SOCKET, 0xC000000D },
        { "flags 0x10", Ws2Def.AF_INET, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP, 0x10, 0xC000000D },
        { "two categories at once", Ws2Def.AF_INET, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP, WskConstants.WSK_FLAG_CONNECTION_SOCKET | WskConstants.WSK_FLAG_LISTEN_SOCKET, 0xC000000D },
        // A SOCK_DGRAM listen socket and a datagram socket are provided now (DatagramConformanceTests); what stays refused:
        { "datagram socket over SOCK_STREAM", Ws2Def.AF_INET, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_UDP, WskConstants.WSK_FLAG_DATAGRAM_SOCKET, 0xC000000D },
        { "SOCK_DGRAM for a stream socket", Ws2Def.AF_INET, Ws2Def.SOCK_DGRAM, Ws2Def.IPPROTO_UDP, WskConstants.WSK_FLAG_STREAM_SOCKET, 0xC000000D },
    };

    [Theory]
    [MemberData(nameof(BadSockets))]
    public void WskSocket_refuses_what_it_does_not_provide_returned_and_in_the_IRP(string why, ushort family, ushort type, uint protocol, uint flags, uint expected)
    {
        WskRegistration registration = Register();
        WskProviderNpi npi = Capture(registration);
        WskSocket? socket = null;
        try
        {
            Assert.True(new NtStatus(expected) == CreateSocket(npi, out socket, family, type, protocol, flags), why);
            Assert.Null(socket);
            Assert.Equal(0, npi.Client.OpenSockets);
        }
        finally
        {
            if (socket is not null)
            {
                ((WskProviderBasicDispatch)socket.Dispatch).WskCloseSocket(socket, new Irp()); // A wrong acceptance must not hang deregistration.
            }

            WskApi.WskReleaseProviderNPI(registration);
            WskApi.WskDeregister(registration); // Returns: no socket was left open by the refusal.
        }
    }

    [Theory]
    [InlineData(Ws2Def.AF_INET, 0u)]
    [InlineData(Ws2Def.AF_INET6, 0u)]
    [InlineData(Ws2Def.AF_INET6, Ws2Def.IPPROTO_TCP)]
    public void WskSocket_creates_IPv4_and_IPv6_sockets_with_protocol_0_or_TCP(ushort family, uint protocol)
    {
        using var client = new WskTestClient();
        Assert.Equal(NtStatus.Success, CreateSocket(client.Npi, out WskSocket? socket, family, protocol: protocol));
        try
        {
            var dispatch = WskTestClient.Connection(socket!);
            Assert.Equal(NtStatus.Success, dispatch.WskBind(socket!, WskTestClient.Loopback(family, 0), 0, new Irp()));
            Assert.Equal(NtStatus.Success, dispatch.WskGetLocalAddress(socket!, out SockAddr local, new Irp()));
            Assert.Equal(family, local.Family);
            Assert.NotEqual(0, local.Port);
            Assert.Equal(WskTestClient.Loopback(family, local.Port), local);
        }
        finally
        {
            Close(socket!);
        }
    }

    [Fact]
    public async Task A_registration_in_a_network_namespace_makes_its_sockets_there()
    {
        NetworkNamespace ns = fixture.Require();
        using var host = new TcpListener(IPAddress.Loopback, 0);
        host.Start();
        int port = ((IPEndPoint)host.LocalEndpoint).Port;
        using var client = new WskTestClient(ns.Name);

        // The host's listener is not in the namespace: its loopback has nothing on that port.
        WskSocket socket = client.CreateBoundSocket();
        var irp = new Irp();
        NtStatus returned = WskTestClient.Connection(socket).WskConnect(socket, WskTestClient.Loopback(Ws2Def.AF_INET, (ushort)port), 0, irp);
        Assert.Equal(NtStatus.ConnectionRefused, await WskTestClient.Complete(returned, irp));

        // A listener made inside the namespace is reachable.
        using TcpListener inside = ns.RunInside(() =>
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return listener;
        });
        WskSocket second = client.CreateBoundSocket();
        returned = WskTestClient.Connection(second).WskConnect(second,
            SockAddr.FromEndPoint((IPEndPoint)inside.LocalEndpoint), 0, irp);
        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(returned, irp));
        using Socket accepted = await inside.AcceptSocketAsync(TestContext.Current.CancellationToken).AsTask()
            .WaitAsync(HangGuard, TestContext.Current.CancellationToken);
        Assert.NotNull(accepted.RemoteEndPoint);
    }
}
