using System.Runtime.CompilerServices;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using WskSharp.FastOpen;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;
using static WskSharp.Tests.Reliability.BadInputContext;

namespace WskSharp.Tests.Reliability;

/// <summary>What a bad call must do with the IRP of the call under test.</summary>
internal enum IrpUse
{
    /// <summary>The call completed it before returning: once, with the returned status.</summary>
    Completed,

    /// <summary>There is no IRP (a null IRP, or a call that takes none): the probe's IRP is never touched.</summary>
    Untouched,

    /// <summary>The IRP was already pending in another request: the call leaves it alone; it completes later, once, with that
    /// request's own result (here STATUS_CANCELLED, when the case's sockets close).</summary>
    LeftPending,
}

/// <summary>One bad input: a name, the documented status, what happens to the IRP, and the call, made on fresh objects.</summary>
internal sealed record BadInput(string Name, NtStatus Expected, IrpUse Irp, Func<BadInputContext, Task<NtStatus>> Call)
{
    public override string ToString() => Name;
}

/// <summary>
/// Every bad input across the WSK surface, in one place, each with the status WskSharp documents (WskProvider.cs, the
/// XML docs of the Wsk types, WSK-REFERENCE.md). <see cref="BadInputCatalogueTests"/> runs each on fresh objects and
/// checks the return, the IRP, that the provider still works and that no descriptor leaked.
/// </summary>
internal static class BadInputCatalogue
{
    private static readonly byte[] Request = [1, 2, 3, 4, 5, 6, 7, 8];

    private static BadInput Case(string name, NtStatus expected, IrpUse irp, Func<BadInputContext, NtStatus> call)
        => new(name, expected, irp, ctx => Task.FromResult(call(ctx)));

    private static BadInput Case(string name, NtStatus expected, IrpUse irp, Func<BadInputContext, Task<NtStatus>> call)
        => new(name, expected, irp, call);

    private static SockAddr V4(ushort port) => WskTestClient.Loopback(Ws2Def.AF_INET, port);

    private static SockAddr V6(ushort port) => WskTestClient.Loopback(Ws2Def.AF_INET6, port);

    private static WskBuf Bytes(int count) => new(new Mdl(new byte[count]));

    private static NtStatus NewSocket(BadInputContext ctx, ushort family, ushort type, uint protocol, uint flags)
        => ctx.Client.Npi.Dispatch.WskSocket(ctx.Client.Npi.Client, family, type, protocol, flags, null, null, null, null, null, ctx.Irp);

    private static NtStatus GetAddressInfo(BadInputContext ctx, string? node, string? service, WskAddrInfo? hints)
        => ctx.Client.Npi.Dispatch.WskGetAddressInfo(ctx.Client.Npi.Client, node, service, 0, null, hints, new(), null, null, ctx.Irp);

    private static NtStatus SetDword(WskSocket socket, uint option, int inputSize, Irp? irp)
    {
        Span<byte> input = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(input, 1);
        return Conn(socket).Basic.WskControlSocket(socket, WskControlSocketType.WskSetOption, option, Ws2Def.IPPROTO_TCP,
            (nuint)inputSize, input, 0, default, out _, irp);
    }

    private static readonly WskClientListenDispatch InspectingDispatch = new(
        WskInspectEvent: (object? _, in SockAddr _, in SockAddr _, WskInspectId? _) => WskInspectAction.WskInspectPend,
        WskAbortEvent: (object? _, in WskInspectId _) => NtStatus.Success);

    /// <summary>A listening socket with SO_CONDITIONAL_ACCEPT, bound to loopback.</summary>
    private static WskSocket ConditionalListener(BadInputContext ctx)
    {
        WskSocket listener = ctx.Client.CreateSocket(Ws2Def.AF_INET, WskConstants.WSK_FLAG_LISTEN_SOCKET, null, InspectingDispatch);
        Assert.Equal(NtStatus.Success, SetOption(listener, Ws2Def.SOL_SOCKET, Ws2Def.SO_CONDITIONAL_ACCEPT, 1, 4, null));
        Assert.Equal(NtStatus.Success, WskProviderListenDispatch.Instance.WskBind(listener, V4(0), 0, new Irp()));
        return listener;
    }

    private static NtStatus SetOption(WskSocket socket, uint level, uint name, uint value, int inputSize, Irp? irp)
    {
        byte[] input = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(input, value);
        return ((WskProviderBasicDispatch)socket.Dispatch).WskControlSocket(socket, WskControlSocketType.WskSetOption, name, level,
            (nuint)inputSize, input, 0, default, out _, irp);
    }

    private static NtStatus SetEvents(WskSocket socket, Guid npi, uint mask, Irp? irp)
    {
        Span<byte> input = stackalloc byte[WskEventCallbackControl.Size];
        new WskEventCallbackControl(npi, mask).WriteTo(input);
        return ((WskProviderBasicDispatch)socket.Dispatch).WskControlSocket(socket, WskControlSocketType.WskSetOption, Ws2Def.SO_WSK_EVENT_CALLBACK,
            Ws2Def.SOL_SOCKET, (nuint)input.Length, input, 0, default, out _, irp);
    }

    private static NtStatus SetStaticEvents(BadInputContext ctx, Guid npi, uint mask, int size, Irp? irp)
    {
        byte[] input = new byte[WskEventCallbackControl.Size];
        new WskEventCallbackControl(npi, mask).WriteTo(input);
        return ctx.Client.Npi.Dispatch.WskControlClient(ctx.Client.Npi.Client, WskConstants.WSK_SET_STATIC_EVENT_CALLBACKS,
            (nuint)size, input, 0, default, out _, irp);
    }

    /// <summary>WskRegister with <paramref name="options"/>; a registration it made (the refusal under test failed) is undone.</summary>
    private static NtStatus Register(WskProviderOptions options)
    {
        NtStatus status = WskApi.WskRegister(new WskClientNpi(null, new WskClientDispatch(WskConstants.WSK_V1_0)), options, out WskRegistration? r);
        if (r is not null)
        {
            WskApi.WskDeregister(r);
        }

        return status;
    }

    /// <summary>A chain that loops back on itself: a caller bug that must be refused, not walked for ever.</summary>
    private static WskBuf CyclicBuffer()
    {
        var first = new Mdl(new byte[8]);
        first.Next = new Mdl(new byte[8]) { Next = first };
        return new WskBuf(first, 0, 16);
    }

    public static IReadOnlyList<BadInput> All { get; } =
    [
        // --- registration and provider level ---------------------------------------------------------------------
        Case("WskRegister: a client NPI without a dispatch", NtStatus.InvalidParameter, IrpUse.Untouched,
            ctx => WskApi.WskRegister(new WskClientNpi(null, null!), ctx.Transport.Options(), out _)),
        Case("WskRegister: a Fast Open backoff maximum of 3,650,000 days", NtStatus.InvalidParameter, IrpUse.Untouched, ctx =>
            Register(ctx.Transport.Options(new WskProviderOptions { FastOpenBackoffMaximum = TimeSpan.FromDays(3_650_000) }))),
        Case("WskRegister: a Fast Open backoff maximum over the documented bound", NtStatus.InvalidParameter, IrpUse.Untouched, ctx =>
            Register(ctx.Transport.Options(new WskProviderOptions { FastOpenBackoffMaximum = WskProviderOptions.MaxFastOpenBackoff + TimeSpan.FromSeconds(1) }))),
        Case("WskRegister: a network namespace that is not one (/dev/null)", NtStatus.ObjectTypeMismatch, IrpUse.Untouched,
            ctx => Register(new WskProviderOptions { NetworkNamespace = "/dev/null" })),
        Case("WskCaptureProviderNPI: a major version other than 1", NtStatus.NoInterface, IrpUse.Untouched, ctx =>
        {
            Assert.Equal(NtStatus.Success, WskApi.WskRegister(new WskClientNpi(null, new WskClientDispatch(0x0200)), ctx.Transport.Options(), out WskRegistration? r));
            NtStatus status = WskApi.WskCaptureProviderNPI(r!, WskConstants.WSK_NO_WAIT, out _);
            WskApi.WskDeregister(r!);
            return status;
        }),
        Case("WskCaptureProviderNPI: after WskDeregister", NtStatus.DeviceNotReady, IrpUse.Untouched, ctx =>
        {
            Assert.Equal(NtStatus.Success, WskApi.WskRegister(new WskClientNpi(null, new WskClientDispatch(WskConstants.WSK_V1_0)), ctx.Transport.Options(), out WskRegistration? r));
            WskApi.WskDeregister(r!);
            return WskApi.WskCaptureProviderNPI(r!, WskConstants.WSK_NO_WAIT, out _);
        }),
        Case("WskSocket: after WskDeregister began (a socket still open)", NtStatus.DeviceNotReady, IrpUse.Completed, async ctx =>
        {
            Assert.Equal(NtStatus.Success, WskApi.WskRegister(new WskClientNpi(null, new WskClientDispatch(WskConstants.WSK_V1_0)), ctx.Transport.Options(), out WskRegistration? r));
            Assert.Equal(NtStatus.Success, WskApi.WskCaptureProviderNPI(r!, WskConstants.WSK_NO_WAIT, out WskProviderNpi? npi));
            var create = new Irp();
            Assert.Equal(NtStatus.Success, npi!.Dispatch.WskSocket(npi.Client, Ws2Def.AF_INET, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP,
                WskConstants.WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, create));
            var open = (WskSocket)create.IoStatus.Pointer!;
            WskApi.WskReleaseProviderNPI(r!);
            Task deregister = Task.Run(() => WskApi.WskDeregister(r!));
            for (int i = 0; i < 400 && !r!.IsDeregistering; i++)
            {
                await Task.Delay(5);
            }

            NtStatus status = npi.Dispatch.WskSocket(npi.Client, Ws2Def.AF_INET, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP,
                WskConstants.WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, ctx.Irp);
            Assert.False(deregister.IsCompleted); // Still waiting for the open socket.
            Assert.Equal(NtStatus.Success, Conn(open).Basic.WskCloseSocket(open, new Irp()));
            await deregister.WaitAsync(TimeSpan.FromSeconds(20));
            return status;
        }),
        Case("WskSocket: no client (Windows: STATUS_INVALID_HANDLE)", NtStatus.InvalidHandle, IrpUse.Completed,
            ctx => ctx.Client.Npi.Dispatch.WskSocket(null!, Ws2Def.AF_INET, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP,
                WskConstants.WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, ctx.Irp)),
        Case("WskSocket: Linux's AF_INET6 (10), not Windows' 23", NtStatus.InvalidParameter, IrpUse.Completed,
            ctx => NewSocket(ctx, 10, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP, WskConstants.WSK_FLAG_CONNECTION_SOCKET)),
        Case("WskSocket: SOCK_DGRAM for a connection socket", NtStatus.InvalidParameter, IrpUse.Completed,
            ctx => NewSocket(ctx, Ws2Def.AF_INET, Ws2Def.SOCK_DGRAM, Ws2Def.IPPROTO_TCP, WskConstants.WSK_FLAG_CONNECTION_SOCKET)),
        Case("WskSocket: IPPROTO_UDP for a stream socket", NtStatus.InvalidParameter, IrpUse.Completed,
            ctx => NewSocket(ctx, Ws2Def.AF_INET, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_UDP, WskConstants.WSK_FLAG_CONNECTION_SOCKET)),
        Case("WskSocket: an unknown category flag (0x10)", NtStatus.InvalidParameter, IrpUse.Completed,
            ctx => NewSocket(ctx, Ws2Def.AF_INET, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP, 0x10)),
        Case("WskSocket: WSK_FLAG_DATAGRAM_SOCKET with SOCK_STREAM", NtStatus.InvalidParameter, IrpUse.Completed,
            ctx => NewSocket(ctx, Ws2Def.AF_INET, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP, WskConstants.WSK_FLAG_DATAGRAM_SOCKET)),
        Case("WskSocket: a datagram socket over IPPROTO_TCP", NtStatus.InvalidParameter, IrpUse.Completed,
            ctx => NewSocket(ctx, Ws2Def.AF_INET, Ws2Def.SOCK_DGRAM, Ws2Def.IPPROTO_TCP, WskConstants.WSK_FLAG_DATAGRAM_SOCKET)),
        Case("WskSocket: a SOCK_DGRAM stream socket", NtStatus.InvalidParameter, IrpUse.Completed,
            ctx => NewSocket(ctx, Ws2Def.AF_INET, Ws2Def.SOCK_DGRAM, Ws2Def.IPPROTO_UDP, WskConstants.WSK_FLAG_STREAM_SOCKET)),
        Case("WskSocket: a null IRP", NtStatus.InvalidParameter, IrpUse.Untouched,
            ctx => ctx.Client.Npi.Dispatch.WskSocket(ctx.Client.Npi.Client, Ws2Def.AF_INET, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP,
                WskConstants.WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, null!)),
        Case("WskSocketConnect: Flags ≠ 0", NtStatus.InvalidParameter, IrpUse.Completed,
            ctx => ctx.Client.Npi.Dispatch.WskSocketConnect(ctx.Client.Npi.Client, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP, V4(0),
                ctx.Server, 1, null, null, null, null, null, ctx.Irp)),
        Case("WskSocketConnect: local and remote of different families", NtStatus.InvalidParameter, IrpUse.Completed,
            ctx => ctx.Client.Npi.Dispatch.WskSocketConnect(ctx.Client.Npi.Client, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP, V6(0),
                ctx.Server, 0, null, null, null, null, null, ctx.Irp)),
        Case("WskControlClient: after WskDeregister", NtStatus.DeviceNotReady, IrpUse.Completed, ctx =>
        {
            Assert.Equal(NtStatus.Success, WskApi.WskRegister(new WskClientNpi(null, new WskClientDispatch(WskConstants.WSK_V1_0)), ctx.Transport.Options(), out WskRegistration? r));
            Assert.Equal(NtStatus.Success, WskApi.WskCaptureProviderNPI(r!, WskConstants.WSK_NO_WAIT, out WskProviderNpi? npi));
            WskApi.WskReleaseProviderNPI(r!);
            WskApi.WskDeregister(r!);
            return npi!.Dispatch.WskControlClient(npi.Client, WskFastOpenMemory.WSKSHARP_FASTOPEN_MEMORY_CLEAR, 0, default, 0, default, out _, ctx.Irp);
        }),
        Case("WskControlClient: an unknown control code", NtStatus.NotSupported, IrpUse.Completed,
            ctx => ctx.Client.Npi.Dispatch.WskControlClient(ctx.Client.Npi.Client, 0x12345678, 0, default, 0, default, out _, ctx.Irp)),
        Case("WskControlClient: an input size beyond the input buffer", NtStatus.InvalidParameter, IrpUse.Completed,
            ctx => ctx.Client.Npi.Dispatch.WskControlClient(ctx.Client.Npi.Client, 0x12345678, 4, new byte[2], 0, default, out _, ctx.Irp)),
        Case("WskControlClient: WSK_SET_STATIC_EVENT_CALLBACKS with an IRP (documented: none)", NtStatus.InvalidParameter, IrpUse.Completed,
            ctx => SetStaticEvents(ctx, WskEventCallbackControl.NPI_WSK_INTERFACE_ID, WskConstants.WSK_EVENT_RECEIVE, WskEventCallbackControl.Size, ctx.Irp)),
        Case("WskControlClient: WSK_SET_STATIC_EVENT_CALLBACKS with WSK_EVENT_DISABLE", NtStatus.InvalidParameter, IrpUse.Untouched,
            ctx => SetStaticEvents(ctx, WskEventCallbackControl.NPI_WSK_INTERFACE_ID, WskConstants.WSK_EVENT_RECEIVE | WskConstants.WSK_EVENT_DISABLE, WskEventCallbackControl.Size, null)),
        Case("WskControlClient: WSK_SET_STATIC_EVENT_CALLBACKS with an empty mask", NtStatus.InvalidParameter, IrpUse.Untouched,
            ctx => SetStaticEvents(ctx, WskEventCallbackControl.NPI_WSK_INTERFACE_ID, 0, WskEventCallbackControl.Size, null)),
        Case("WskControlClient: WSK_SET_STATIC_EVENT_CALLBACKS with an unknown event bit", NtStatus.InvalidParameter, IrpUse.Untouched,
            ctx => SetStaticEvents(ctx, WskEventCallbackControl.NPI_WSK_INTERFACE_ID, 0x1000, WskEventCallbackControl.Size, null)),
        Case("WskControlClient: WSK_SET_STATIC_EVENT_CALLBACKS for another NPI", NtStatus.InvalidParameter, IrpUse.Untouched,
            ctx => SetStaticEvents(ctx, Guid.NewGuid(), WskConstants.WSK_EVENT_RECEIVE, WskEventCallbackControl.Size, null)),
        Case("WskControlClient: WSK_SET_STATIC_EVENT_CALLBACKS with a 19-byte input", NtStatus.InvalidParameter, IrpUse.Untouched,
            ctx => SetStaticEvents(ctx, WskEventCallbackControl.NPI_WSK_INTERFACE_ID, WskConstants.WSK_EVENT_RECEIVE, WskEventCallbackControl.Size - 1, null)),
        Case("WskControlClient: WSK_SET_STATIC_EVENT_CALLBACKS after the client's first socket", NtStatus.InvalidDeviceState, IrpUse.Untouched, ctx =>
        {
            ctx.Client.CreateSocket();
            return SetStaticEvents(ctx, WskEventCallbackControl.NPI_WSK_INTERFACE_ID, WskConstants.WSK_EVENT_RECEIVE, WskEventCallbackControl.Size, null);
        }),
        Case("WskControlSocket: SO_WSK_EVENT_CALLBACK on a basic socket (it has no events)", NtStatus.InvalidParameter, IrpUse.Untouched, ctx =>
        {
            WskSocket s = ctx.Client.CreateSocket(Ws2Def.AF_INET, WskConstants.WSK_FLAG_BASIC_SOCKET, null, null);
            return SetEvents(s, WskEventCallbackControl.NPI_WSK_INTERFACE_ID, WskConstants.WSK_EVENT_RECEIVE, null);
        }),
        Case("WskGetAddressInfo: neither a node nor a service (EAI_NONAME)", NtStatus.NotFound, IrpUse.Completed,
            ctx => GetAddressInfo(ctx, null, null, null)),
        Case("WskGetAddressInfo: a null IRP", NtStatus.InvalidParameter, IrpUse.Untouched,
            ctx => ctx.Client.Npi.Dispatch.WskGetAddressInfo(ctx.Client.Npi.Client, "127.0.0.1", null, 0, null, null, new(), null, null, null!)),
        Case("WskGetAddressInfo: no result box", NtStatus.InvalidParameter, IrpUse.Completed,
            ctx => ctx.Client.Npi.Dispatch.WskGetAddressInfo(ctx.Client.Npi.Client, "127.0.0.1", null, 0, null, null, null!, null, null, ctx.Irp)),
        Case("WskGetAddressInfo: a name space other than NS_ALL or NS_DNS", NtStatus.InvalidParameter, IrpUse.Completed,
            ctx => ctx.Client.Npi.Dispatch.WskGetAddressInfo(ctx.Client.Npi.Client, "127.0.0.1", null, 15, null, null, new(), null, null, ctx.Irp)),
        Case("WskGetAddressInfo: a name-space provider", NtStatus.InvalidParameter, IrpUse.Completed,
            ctx => ctx.Client.Npi.Dispatch.WskGetAddressInfo(ctx.Client.Npi.Client, "127.0.0.1", null, 0, Guid.NewGuid(), null, new(), null, null, ctx.Irp)),
        Case("WskGetAddressInfo: hints with an unknown flag (EAI_BADFLAGS)", NtStatus.InvalidParameter, IrpUse.Completed,
            ctx => GetAddressInfo(ctx, "127.0.0.1", null, new WskAddrInfo { Flags = 0x4000_0000 })),
        Case("WskGetAddressInfo: hints with ai_next set", NtStatus.InvalidParameter, IrpUse.Completed,
            ctx => GetAddressInfo(ctx, "127.0.0.1", null, new WskAddrInfo { Next = new WskAddrInfo() })),
        Case("WskGetAddressInfo: hints for a family WSK does not know (EAI_FAMILY)", NtStatus.NotSupported, IrpUse.Completed,
            ctx => GetAddressInfo(ctx, "127.0.0.1", null, new WskAddrInfo { Family = 10 })),
        Case("WskGetAddressInfo: AI_NUMERICHOST with a name", NtStatus.NotFound, IrpUse.Completed,
            ctx => GetAddressInfo(ctx, "localhost", null, new WskAddrInfo { Flags = Ws2Def.AI_NUMERICHOST })),
        Case("WskGetAddressInfo: a service that is neither a port nor a known name", NtStatus.NotFound, IrpUse.Completed,
            ctx => GetAddressInfo(ctx, "127.0.0.1", "no-such-service-wsk", null)),
        Case("WskGetAddressInfo: an IPv6 literal with IPv4 hints", NtStatus.NotFound, IrpUse.Completed,
            ctx => GetAddressInfo(ctx, "::1", null, new WskAddrInfo { Family = Ws2Def.AF_INET })),
        Case("WskGetNameInfo: neither a node nor a service asked for", NtStatus.NotFound, IrpUse.Completed,
            ctx => ctx.Client.Npi.Dispatch.WskGetNameInfo(ctx.Client.Npi.Client, V4(80), null, null, 0, null, null, ctx.Irp)),
        Case("WskGetNameInfo: an unknown flag", NtStatus.InvalidParameter, IrpUse.Completed,
            ctx => ctx.Client.Npi.Dispatch.WskGetNameInfo(ctx.Client.Npi.Client, V4(80), new(), null, 0x100, null, null, ctx.Irp)),
        Case("WskGetNameInfo: a SOCKADDR of no family WSK knows", NtStatus.NotSupported, IrpUse.Completed,
            ctx => ctx.Client.Npi.Dispatch.WskGetNameInfo(ctx.Client.Npi.Client, default, new(), null, 0, null, null, ctx.Irp)),
        Case("WskGetNameInfo: a null IRP", NtStatus.InvalidParameter, IrpUse.Untouched,
            ctx => ctx.Client.Npi.Dispatch.WskGetNameInfo(ctx.Client.Npi.Client, V4(80), new(), null, 0, null, null, null!)),

        // --- WskBind ----------------------------------------------------------------------------------------------
        Case("WskBind: Flags ≠ 0", NtStatus.InvalidParameter, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateSocket();
            return Conn(s).WskBind(s, V4(0), 1, ctx.Irp);
        }),
        Case("WskBind: an IPv6 address on an IPv4 socket", NtStatus.InvalidParameter, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateSocket();
            return Conn(s).WskBind(s, V6(0), 0, ctx.Irp);
        }),
        Case("WskBind: a second bind", NtStatus.InvalidDeviceState, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateBoundSocket();
            return Conn(s).WskBind(s, V4(0), 0, ctx.Irp);
        }),
        Case("WskBind: a closed socket", NtStatus.InvalidHandle, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.ClosedSocket(bound: false);
            return Conn(s).WskBind(s, V4(0), 0, ctx.Irp);
        }),
        Case("WskBind: an address in use (EADDRINUSE)", NtStatus.AddressAlreadyAssociated, IrpUse.Completed, ctx =>
        {
            SockAddr taken = ctx.Server;
            WskSocket s = ctx.Client.CreateSocket();
            return Conn(s).WskBind(s, taken, 0, ctx.Irp);
        }),
        Case("WskBind: an address this host does not have (EADDRNOTAVAIL)", NtStatus.InvalidAddress, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateSocket();
            return Conn(s).WskBind(s, SockAddr.Inet([198, 18, 255, 254], 0), 0, ctx.Irp);
        }),
        Case("WskBind: a link-local address whose scope id names no interface (ENODEV)", NtStatus.InvalidAddress, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateSocket(Ws2Def.AF_INET6);
            byte[] linkLocal = new byte[16];
            linkLocal[0] = 0xfe;
            linkLocal[1] = 0x80;
            linkLocal[15] = 1;
            return Conn(s).WskBind(s, SockAddr.Inet6(linkLocal, 0, scopeId: 999_999), 0, ctx.Irp);
        }),
        Case("WskBind: a null IRP", NtStatus.InvalidParameter, IrpUse.Untouched, ctx =>
        {
            WskSocket s = ctx.Client.CreateSocket();
            return Conn(s).WskBind(s, V4(0), 0, null!);
        }),

        // --- WskConnect / WskConnectEx ---------------------------------------------------------------------------
        Case("WskConnectEx: Flags ≠ 0", NtStatus.InvalidParameter, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateBoundSocket();
            return Conn(s).WskConnectEx(s, ctx.Server, Bytes(8), 1, ctx.Irp);
        }),
        Case("WskConnect: Flags ≠ 0", NtStatus.InvalidParameter, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateBoundSocket();
            return Conn(s).WskConnect(s, ctx.Server, 0x80000000, ctx.Irp);
        }),
        Case("WskConnectEx: a buffer of 65,536 bytes", NtStatus.BufferOverflow, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateBoundSocket();
            return Conn(s).WskConnectEx(s, ctx.Server, Bytes(65_536), 0, ctx.Irp);
        }),
        Case("WskConnectEx: WSK_BUF Length beyond its MDL chain", NtStatus.InvalidParameter, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateBoundSocket();
            return Conn(s).WskConnectEx(s, ctx.Server, new WskBuf(Mdl.Chain(new byte[4], new byte[4]), 0, 9), 0, ctx.Irp);
        }),
        Case("WskConnectEx: Offset at the first MDL's size", NtStatus.InvalidParameter, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateBoundSocket();
            return Conn(s).WskConnectEx(s, ctx.Server, new WskBuf(Mdl.Chain(new byte[4], new byte[4]), 4, 1), 0, ctx.Irp);
        }),
        Case("WskConnectEx: a null chain with Length > 0", NtStatus.InvalidParameter, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateBoundSocket();
            return Conn(s).WskConnectEx(s, ctx.Server, new WskBuf(null, 0, 1), 0, ctx.Irp);
        }),
        Case("WskConnectEx: a cyclic MDL chain", NtStatus.InvalidParameter, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateBoundSocket();
            return Conn(s).WskConnectEx(s, ctx.Server, CyclicBuffer() with { Length = 65_535 }, 0, ctx.Irp);
        }),
        Case("WskConnectEx: a null IRP", NtStatus.InvalidParameter, IrpUse.Untouched, ctx =>
        {
            WskSocket s = ctx.Client.CreateBoundSocket();
            return Conn(s).WskConnectEx(s, ctx.Server, Bytes(8), 0, null!);
        }),
        Case("WskConnectEx: an IRP already pending", NtStatus.InvalidParameter, IrpUse.LeftPending, async ctx =>
        {
            await ctx.ConnectedWithPendingReceiveAsync();
            WskSocket s = ctx.Client.CreateBoundSocket();
            return Conn(s).WskConnectEx(s, ctx.Server, Bytes(8), 0, ctx.Irp);
        }),
        Case("WskConnectEx: a socket never bound", NtStatus.InvalidDeviceState, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateSocket();
            return Conn(s).WskConnectEx(s, ctx.Server, Bytes(8), 0, ctx.Irp);
        }),
        Case("WskConnect: a socket never bound", NtStatus.InvalidDeviceState, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateSocket();
            return Conn(s).WskConnect(s, ctx.Server, 0, ctx.Irp);
        }),
        Case("WskConnectEx: a listening socket (listen category)", NtStatus.InvalidDeviceRequest, IrpUse.Completed, ctx =>
        {
            var (listener, _) = ctx.Client.CreateListener();
            return StreamTable.WskConnectEx(listener, ctx.Server, null, 0, ctx.Irp);
        }),
        Case("WskConnectEx: a stream socket after WskListen", NtStatus.InvalidDeviceState, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateSocket(Ws2Def.AF_INET, WskConstants.WSK_FLAG_STREAM_SOCKET, null, null);
            Assert.Equal(NtStatus.Success, StreamTable.WskBind(s, V4(0), 0, new Irp()));
            Assert.Equal(NtStatus.Success, StreamTable.WskListen(s, new Irp()));
            return StreamTable.WskConnectEx(s, ctx.Server, null, 0, ctx.Irp);
        }),
        Case("WskConnectEx: a closed socket", NtStatus.InvalidHandle, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.ClosedSocket();
            return Conn(s).WskConnectEx(s, ctx.Server, Bytes(8), 0, ctx.Irp);
        }),
        Case("WskConnectEx: an already-connected socket", NtStatus.ConnectionActive, IrpUse.Completed, async ctx =>
        {
            WskSocket s = await ctx.ConnectedAsync();
            return Conn(s).WskConnectEx(s, ctx.Server, Bytes(8), 0, ctx.Irp);
        }),
        Case("WskConnectEx: a connect still in progress", NtStatus.InvalidDeviceState, IrpUse.Completed, async ctx =>
        {
            SockAddr full = await ctx.FullListenerAsync();
            WskSocket s = ctx.Client.CreateBoundSocket();
            var first = new Irp();
            Assert.Equal(NtStatus.Pending, Conn(s).WskConnectEx(s, full, Bytes(8), 0, first));
            return Conn(s).WskConnectEx(s, full, Bytes(8), 0, ctx.Irp);
        }),
        Case("WskConnectEx: a socket no longer functional (its connect was refused)", NtStatus.FileForcedClosed, IrpUse.Completed, async ctx =>
        {
            WskSocket s = await ctx.FailedSocketAsync();
            return Conn(s).WskConnectEx(s, ctx.Server, Bytes(8), 0, ctx.Irp);
        }),
        Case("WskConnectEx: an IPv6 address on an IPv4 socket", NtStatus.InvalidParameter, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateBoundSocket();
            return Conn(s).WskConnectEx(s, V6(80), Bytes(8), 0, ctx.Irp);
        }),
        Case("WskConnectEx: an AF_UNSPEC (default) SOCKADDR", NtStatus.InvalidParameter, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateBoundSocket();
            return Conn(s).WskConnectEx(s, default, Bytes(8), 0, ctx.Irp);
        }),
        Case("WskConnectEx: port 0 as the destination", NtStatus.InvalidAddressComponent, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateBoundSocket();
            return Conn(s).WskConnectEx(s, V4(0), Bytes(8), 0, ctx.Irp);
        }),
        Case("WskConnectEx: the IPv6 wildcard as the destination", NtStatus.InvalidAddressComponent, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateBoundSocket(Ws2Def.AF_INET6);
            return Conn(s).WskConnectEx(s, SockAddr.Inet6(new byte[16], 80), Bytes(8), 0, ctx.Irp);
        }),

        Case("WskConnectEx: the IPv4 wildcard mapped into IPv6 (::ffff:0.0.0.0) as the destination", NtStatus.InvalidAddressComponent, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateSocket(Ws2Def.AF_INET6);
            Assert.Equal(NtStatus.Success, Conn(s).WskBind(s, SockAddr.Inet6(new byte[16], 0), 0, new Irp())); // [::]:0, as a driver binds
            SockAddr mapped = SockAddr.FromEndPoint(new IPEndPoint(IPAddress.Parse("::ffff:0.0.0.0"), ctx.Server.Port));
            return Conn(s).WskConnectEx(s, mapped, Bytes(8), 0, ctx.Irp);
        }),
        Case("WskConnectEx: the IPv6 wildcard with a scope id as the destination", NtStatus.InvalidAddressComponent, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateBoundSocket(Ws2Def.AF_INET6);
            return Conn(s).WskConnectEx(s, SockAddr.Inet6(new byte[16], ctx.Server.Port, scopeId: 1), Bytes(8), 0, ctx.Irp);
        }),

        // --- SOCKADDR and WSK_BUF parsing (no IRP) ----------------------------------------------------------------
        Case("SockAddr.TryRead: a SOCKADDR_IN one byte short", NtStatus.InvalidParameter, IrpUse.Untouched,
            none => SockAddr.TryRead(V4(80).ToArray().AsSpan(0, Ws2Def.SOCKADDR_IN_SIZE - 1), out _)),
        Case("SockAddr.TryRead: a SOCKADDR_IN6 one byte short", NtStatus.InvalidParameter, IrpUse.Untouched,
            none => SockAddr.TryRead(V6(80).ToArray().AsSpan(0, Ws2Def.SOCKADDR_IN6_SIZE - 1), out _)),
        Case("SockAddr.TryRead: a family WSK does not know (Linux AF_INET6)", NtStatus.InvalidParameter, IrpUse.Untouched, none =>
        {
            byte[] bytes = V6(80).ToArray();
            BinaryPrimitives.WriteUInt16LittleEndian(bytes, 10);
            return SockAddr.TryRead(bytes, out _);
        }),
        Case("WskBuf.Validate: a cyclic MDL chain", NtStatus.InvalidParameter, IrpUse.Untouched,
            none => (CyclicBuffer() with { Length = 1 << 20 }).Validate(out _)),

        // --- WskSend / WskReceive ---------------------------------------------------------------------------------
        Case("WskSend: an unknown flag (0x1)", NtStatus.InvalidParameter, IrpUse.Completed, async ctx =>
        {
            WskSocket s = await ctx.ConnectedAsync();
            return Conn(s).WskSend(s, Bytes(8), 0x1, ctx.Irp);
        }),
        Case("WskReceive: an unknown flag (0x100)", NtStatus.InvalidParameter, IrpUse.Completed, async ctx =>
        {
            WskSocket s = await ctx.ConnectedAsync();
            return Conn(s).WskReceive(s, Bytes(8), 0x100, ctx.Irp);
        }),
        Case("WskSend: WSK_BUF Length beyond its MDL chain", NtStatus.InvalidParameter, IrpUse.Completed, async ctx =>
        {
            WskSocket s = await ctx.ConnectedAsync();
            return Conn(s).WskSend(s, new WskBuf(new Mdl(new byte[8]), 0, 9), 0, ctx.Irp);
        }),
        Case("WskReceive: Offset past the first MDL's size", NtStatus.InvalidParameter, IrpUse.Completed, async ctx =>
        {
            WskSocket s = await ctx.ConnectedAsync();
            return Conn(s).WskReceive(s, new WskBuf(Mdl.Chain(new byte[4], new byte[8]), 5, 2), 0, ctx.Irp);
        }),
        Case("WskReceive: a null chain with Length > 0", NtStatus.InvalidParameter, IrpUse.Completed, async ctx =>
        {
            WskSocket s = await ctx.ConnectedAsync();
            return Conn(s).WskReceive(s, new WskBuf(null, 0, 8), 0, ctx.Irp);
        }),
        Case("WskSend: a cyclic MDL chain", NtStatus.InvalidParameter, IrpUse.Completed, async ctx =>
        {
            WskSocket s = await ctx.ConnectedAsync();
            return Conn(s).WskSend(s, CyclicBuffer() with { Length = 1 << 20 }, 0, ctx.Irp);
        }),
        Case("WskReceive: WSK_FLAG_DRAIN with a non-empty buffer", NtStatus.InvalidParameter, IrpUse.Completed, async ctx =>
        {
            WskSocket s = await ctx.ConnectedAsync();
            return Conn(s).WskReceive(s, Bytes(8), WskConstants.WSK_FLAG_DRAIN, ctx.Irp);
        }),
        Case("WskReceive: WSK_FLAG_WAITALL | WSK_FLAG_DRAIN", NtStatus.InvalidParameter, IrpUse.Completed, async ctx =>
        {
            WskSocket s = await ctx.ConnectedAsync();
            return Conn(s).WskReceive(s, new WskBuf(null, 0, 0), WskConstants.WSK_FLAG_WAITALL | WskConstants.WSK_FLAG_DRAIN, ctx.Irp);
        }),
        Case("WskSend: a bound socket never connected", NtStatus.InvalidDeviceState, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateBoundSocket();
            return Conn(s).WskSend(s, Bytes(8), 0, ctx.Irp);
        }),
        Case("WskReceive: a closed socket", NtStatus.InvalidHandle, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.ClosedSocket();
            return Conn(s).WskReceive(s, Bytes(8), 0, ctx.Irp);
        }),
        Case("WskSend: after an abortive disconnect (no longer functional)", NtStatus.FileForcedClosed, IrpUse.Completed, async ctx =>
        {
            WskSocket s = await ctx.ConnectedAsync();
            Assert.Equal(NtStatus.Success, Conn(s).WskDisconnect(s, null, WskConstants.WSK_FLAG_ABORTIVE, new Irp()));
            return Conn(s).WskSend(s, Bytes(8), 0, ctx.Irp);
        }),
        Case("WskSend: a null IRP", NtStatus.InvalidParameter, IrpUse.Untouched, async ctx =>
        {
            WskSocket s = await ctx.ConnectedAsync();
            return Conn(s).WskSend(s, Bytes(8), 0, null!);
        }),
        Case("WskSend: an IRP already pending", NtStatus.InvalidParameter, IrpUse.LeftPending, async ctx =>
        {
            WskSocket s = await ctx.ConnectedWithPendingReceiveAsync();
            return Conn(s).WskSend(s, Bytes(8), 0, ctx.Irp);
        }),
        Case("WskReceive: the IRP of its own pending receive", NtStatus.InvalidParameter, IrpUse.LeftPending, async ctx =>
        {
            WskSocket s = await ctx.ConnectedWithPendingReceiveAsync();
            return Conn(s).WskReceive(s, Bytes(8), 0, ctx.Irp);
        }),
        Case("WskSendEx: control information on a TCP stream", NtStatus.NotSupported, IrpUse.Completed, async ctx =>
        {
            WskSocket s = await ctx.ConnectedAsync();
            return Conn(s).WskSendEx(s, Bytes(8), 0, 16, new byte[16], ctx.Irp);
        }),
        Case("WskSendEx: ControlInfoLength beyond its buffer", NtStatus.InvalidParameter, IrpUse.Completed, async ctx =>
        {
            WskSocket s = await ctx.ConnectedAsync();
            return Conn(s).WskSendEx(s, Bytes(8), 0, 16, new byte[4], ctx.Irp);
        }),
        Case("WskSendEx: an unknown flag, as WskSend", NtStatus.InvalidParameter, IrpUse.Completed, async ctx =>
        {
            WskSocket s = await ctx.ConnectedAsync();
            return Conn(s).WskSendEx(s, Bytes(8), 0x10, 0, default, ctx.Irp);
        }),
        Case("WskReceiveEx: ControlInfoLength beyond its buffer", NtStatus.InvalidParameter, IrpUse.Completed, async ctx =>
        {
            WskSocket s = await ctx.ConnectedAsync();
            return Conn(s).WskReceiveEx(s, Bytes(8), 0, new StrongBox<uint>(64), new byte[8], null, ctx.Irp);
        }),
        Case("WskReceiveEx: a closed socket", NtStatus.InvalidHandle, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.ClosedSocket();
            return Conn(s).WskReceiveEx(s, Bytes(8), 0, null, default, null, ctx.Irp);
        }),

        // --- WskDisconnect ----------------------------------------------------------------------------------------
        Case("WskDisconnect: an unknown flag (0x10)", NtStatus.InvalidParameter, IrpUse.Completed, async ctx =>
        {
            WskSocket s = await ctx.ConnectedAsync();
            return Conn(s).WskDisconnect(s, null, 0x10, ctx.Irp);
        }),
        Case("WskDisconnect: abortive with data", NtStatus.InvalidParameter, IrpUse.Completed, async ctx =>
        {
            WskSocket s = await ctx.ConnectedAsync();
            return Conn(s).WskDisconnect(s, Bytes(4), WskConstants.WSK_FLAG_ABORTIVE, ctx.Irp);
        }),
        Case("WskDisconnect: WSK_BUF Length beyond its MDL chain", NtStatus.InvalidParameter, IrpUse.Completed, async ctx =>
        {
            WskSocket s = await ctx.ConnectedAsync();
            return Conn(s).WskDisconnect(s, new WskBuf(new Mdl(new byte[4]), 0, 5), 0, ctx.Irp);
        }),
        Case("WskDisconnect: a socket never connected", NtStatus.InvalidDeviceState, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateBoundSocket();
            return Conn(s).WskDisconnect(s, null, 0, ctx.Irp);
        }),
        Case("WskDisconnect: a second graceful disconnect", NtStatus.InvalidDeviceState, IrpUse.Completed, async ctx =>
        {
            WskSocket s = await ctx.ConnectedAsync();
            var first = new Irp();
            Assert.Equal(NtStatus.Success, await WskTestClient.Complete(Conn(s).WskDisconnect(s, null, 0, first), first));
            return Conn(s).WskDisconnect(s, null, 0, ctx.Irp);
        }),
        Case("WskDisconnect: abortive on a socket never connected", NtStatus.InvalidDeviceState, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateBoundSocket();
            return Conn(s).WskDisconnect(s, null, WskConstants.WSK_FLAG_ABORTIVE, ctx.Irp);
        }),

        // --- WskListen / WskAccept / WskInspectComplete ----------------------------------------------------------
        Case("WskAccept: Flags ≠ 0", NtStatus.InvalidParameter, IrpUse.Completed, ctx =>
        {
            var (listener, _) = ctx.Client.CreateListener();
            return ((WskProviderListenDispatch)listener.Dispatch).WskAccept(listener, 1, null, null, null, null, ctx.Irp);
        }),
        Case("WskAccept: a connection socket (through the stream table)", NtStatus.InvalidDeviceRequest, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateBoundSocket();
            return StreamTable.WskAccept(s, 0, null, null, null, null, ctx.Irp);
        }),
        Case("WskAccept: a stream socket that is not listening", NtStatus.InvalidDeviceState, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateSocket(Ws2Def.AF_INET, WskConstants.WSK_FLAG_STREAM_SOCKET, null, null);
            return StreamTable.WskAccept(s, 0, null, null, null, null, ctx.Irp);
        }),
        Case("WskAccept: a closed listener", NtStatus.InvalidHandle, IrpUse.Completed, ctx =>
        {
            var (listener, _) = ctx.Client.CreateListener();
            Assert.Equal(NtStatus.Success, ((WskProviderListenDispatch)listener.Dispatch).Basic.WskCloseSocket(listener, new Irp()));
            return ((WskProviderListenDispatch)listener.Dispatch).WskAccept(listener, 0, null, null, null, null, ctx.Irp);
        }),
        Case("WskListen: a connection socket (through the stream table)", NtStatus.InvalidDeviceRequest, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateBoundSocket();
            return StreamTable.WskListen(s, ctx.Irp);
        }),
        Case("WskListen: a stream socket never bound", NtStatus.InvalidDeviceState, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateSocket(Ws2Def.AF_INET, WskConstants.WSK_FLAG_STREAM_SOCKET, null, null);
            return StreamTable.WskListen(s, ctx.Irp);
        }),
        Case("WskListen: a stream socket that connected", NtStatus.InvalidDeviceState, IrpUse.Completed, async ctx =>
        {
            SockAddr server = ctx.Server;
            WskSocket s = ctx.Client.CreateSocket(Ws2Def.AF_INET, WskConstants.WSK_FLAG_STREAM_SOCKET, null, null);
            var irp = new Irp();
            Assert.Equal(NtStatus.Success, StreamTable.WskBind(s, V4(0), 0, irp));
            Assert.Equal(NtStatus.Success, await WskTestClient.Complete(StreamTable.WskConnect(s, server, 0, irp), irp));
            return StreamTable.WskListen(s, ctx.Irp);
        }),
        Case("WskInspectComplete: a listener without SO_CONDITIONAL_ACCEPT", NtStatus.InvalidDeviceState, IrpUse.Completed, ctx =>
        {
            var (listener, _) = ctx.Client.CreateListener();
            return ((WskProviderListenDispatch)listener.Dispatch).WskInspectComplete(listener, new WskInspectId(1, 1),
                WskInspectAction.WskInspectAccept, ctx.Irp);
        }),
        Case("WskInspectComplete: a connection socket", NtStatus.InvalidDeviceRequest, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateBoundSocket();
            return WskProviderListenDispatch.Instance.WskInspectComplete(s, new WskInspectId(1, 1), WskInspectAction.WskInspectAccept, ctx.Irp);
        }),
        Case("WskInspectComplete: WskInspectPend as the decision", NtStatus.InvalidParameter, IrpUse.Completed, ctx =>
        {
            WskSocket listener = ConditionalListener(ctx);
            return WskProviderListenDispatch.Instance.WskInspectComplete(listener, new WskInspectId((nuint)listener.Engine.InspectKey, 1),
                WskInspectAction.WskInspectPend, ctx.Irp);
        }),
        Case("WskInspectComplete: an id the listener never pended", NtStatus.InvalidParameter, IrpUse.Completed, ctx =>
        {
            WskSocket listener = ConditionalListener(ctx);
            return WskProviderListenDispatch.Instance.WskInspectComplete(listener, new WskInspectId((nuint)listener.Engine.InspectKey, 12345),
                WskInspectAction.WskInspectAccept, ctx.Irp);
        }),
        Case("WskInspectComplete: a closed listener", NtStatus.InvalidHandle, IrpUse.Completed, ctx =>
        {
            WskSocket listener = ConditionalListener(ctx);
            Assert.Equal(NtStatus.Success, WskProviderListenDispatch.Instance.Basic.WskCloseSocket(listener, new Irp()));
            return WskProviderListenDispatch.Instance.WskInspectComplete(listener, new WskInspectId(1, 1), WskInspectAction.WskInspectReject, ctx.Irp);
        }),
        Case("WskControlSocket: SO_CONDITIONAL_ACCEPT on a connection socket", NtStatus.InvalidParameter, IrpUse.Completed,
            ctx => SetOption(ctx.Client.CreateSocket(), Ws2Def.SOL_SOCKET, Ws2Def.SO_CONDITIONAL_ACCEPT, 1, 4, ctx.Irp)),
        Case("WskControlSocket: SO_CONDITIONAL_ACCEPT on a listener with no WskInspectEvent/WskAbortEvent", NtStatus.InvalidParameter, IrpUse.Completed,
            ctx => SetOption(ctx.Client.CreateSocket(Ws2Def.AF_INET, WskConstants.WSK_FLAG_LISTEN_SOCKET, null, new WskClientListenDispatch()),
                Ws2Def.SOL_SOCKET, Ws2Def.SO_CONDITIONAL_ACCEPT, 1, 4, ctx.Irp)),
        Case("WskControlSocket: SO_CONDITIONAL_ACCEPT on a listener already listening", NtStatus.InvalidDeviceState, IrpUse.Completed, ctx =>
        {
            var (listener, _) = ctx.Client.CreateListener(clientDispatch: InspectingDispatch);
            return SetOption(listener, Ws2Def.SOL_SOCKET, Ws2Def.SO_CONDITIONAL_ACCEPT, 1, 4, ctx.Irp);
        }),

        // --- WskGetLocalAddress / WskGetRemoteAddress ------------------------------------------------------------
        Case("WskGetLocalAddress: a socket never bound", NtStatus.InvalidDeviceState, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateSocket();
            return Conn(s).WskGetLocalAddress(s, out _, ctx.Irp);
        }),
        Case("WskGetRemoteAddress: a bound socket never connected", NtStatus.InvalidDeviceState, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateBoundSocket();
            return Conn(s).WskGetRemoteAddress(s, out _, ctx.Irp);
        }),
        Case("WskGetRemoteAddress: a closed socket", NtStatus.InvalidHandle, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.ClosedSocket();
            return Conn(s).WskGetRemoteAddress(s, out _, ctx.Irp);
        }),

        // --- WskCloseSocket ---------------------------------------------------------------------------------------
        Case("WskCloseSocket: a second close", NtStatus.InvalidHandle, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.ClosedSocket();
            return Conn(s).Basic.WskCloseSocket(s, ctx.Irp);
        }),
        Case("WskCloseSocket: a null socket", NtStatus.InvalidParameter, IrpUse.Completed,
            ctx => WskProviderConnectionDispatch.Instance.Basic.WskCloseSocket(null!, ctx.Irp)),
        Case("WskCloseSocket: a null IRP (the socket stays open)", NtStatus.InvalidParameter, IrpUse.Untouched, ctx =>
        {
            WskSocket s = ctx.Client.CreateBoundSocket();
            NtStatus status = Conn(s).Basic.WskCloseSocket(s, null!);
            Assert.Equal(NtStatus.Success, Conn(s).WskGetLocalAddress(s, out _, new Irp()));
            return status;
        }),
        Case("WskCloseSocket: an IRP already pending", NtStatus.InvalidParameter, IrpUse.LeftPending, async ctx =>
        {
            await ctx.ConnectedWithPendingReceiveAsync();
            WskSocket s = ctx.Client.CreateBoundSocket();
            return Conn(s).Basic.WskCloseSocket(s, ctx.Irp);
        }),

        // --- WskControlSocket -------------------------------------------------------------------------------------
        Case("WskControlSocket: an unknown I/O control code", NtStatus.NotSupported, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateSocket();
            return Conn(s).Basic.WskControlSocket(s, WskControlSocketType.WskIoctl, 0x12345678, 0, 0, default, 0, default, out _, ctx.Irp);
        }),
        Case("WskControlSocket: an unknown IPPROTO_TCP option", NtStatus.NotSupported, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateSocket();
            return SetDword(s, 99, 4, ctx.Irp);
        }),
        Case("WskControlSocket: a request type outside WSK_CONTROL_SOCKET_TYPE", NtStatus.InvalidParameter, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateSocket();
            return Conn(s).Basic.WskControlSocket(s, (WskControlSocketType)7, Ws2Def.TCP_NODELAY, Ws2Def.IPPROTO_TCP, 0, default, 0, default, out _, ctx.Irp);
        }),
        Case("WskControlSocket: TCP_NODELAY with a 2-byte input", NtStatus.InvalidParameter, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateSocket();
            return SetDword(s, Ws2Def.TCP_NODELAY, 2, ctx.Irp);
        }),
        Case("WskControlSocket: TCP_FASTOPEN with an 8-byte input", NtStatus.InvalidParameter, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateSocket();
            return SetDword(s, Ws2Def.TCP_FASTOPEN, 8, ctx.Irp);
        }),
        Case("WskControlSocket: an input size beyond the input buffer", NtStatus.InvalidParameter, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateSocket();
            return Conn(s).Basic.WskControlSocket(s, WskControlSocketType.WskSetOption, Ws2Def.TCP_NODELAY, Ws2Def.IPPROTO_TCP,
                4, new byte[2], 0, default, out _, ctx.Irp);
        }),
        Case("WskControlSocket: get TCP_NODELAY into 3 bytes", NtStatus.BufferTooSmall, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateSocket();
            return Conn(s).Basic.WskControlSocket(s, WskControlSocketType.WskGetOption, Ws2Def.TCP_NODELAY, Ws2Def.IPPROTO_TCP,
                0, default, 3, new byte[3], out _, ctx.Irp);
        }),
        Case("WskControlSocket: the Fast Open report into a buffer one byte short", NtStatus.BufferTooSmall, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateSocket();
            byte[] output = new byte[WskFastOpenReport.Size - 1];
            return Conn(s).Basic.WskControlSocket(s, WskControlSocketType.WskIoctl, WskFastOpen.SIO_WSKSHARP_FASTOPEN_REPORT, 0,
                0, default, (nuint)output.Length, output, out _, ctx.Irp);
        }),
        Case("WskControlSocket: SO_KEEPALIVE with a 2-byte input", NtStatus.InvalidParameter, IrpUse.Completed,
            ctx => SetOption(ctx.Client.CreateSocket(), Ws2Def.SOL_SOCKET, Ws2Def.SO_KEEPALIVE, 1, 2, ctx.Irp)),
        Case("WskControlSocket: SO_RCVBUF over 2 GiB", NtStatus.InvalidParameter, IrpUse.Completed,
            ctx => SetOption(ctx.Client.CreateSocket(), Ws2Def.SOL_SOCKET, Ws2Def.SO_RCVBUF, 0x80000000, 4, ctx.Irp)),
        Case("WskControlSocket: get SO_RCVBUF into 2 bytes", NtStatus.BufferTooSmall, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateSocket();
            return Conn(s).Basic.WskControlSocket(s, WskControlSocketType.WskGetOption, Ws2Def.SO_RCVBUF, Ws2Def.SOL_SOCKET,
                0, default, 2, new byte[2], out _, ctx.Irp);
        }),
        Case("WskControlSocket: IPV6_V6ONLY on an IPv4 socket", NtStatus.InvalidParameter, IrpUse.Completed,
            ctx => SetOption(ctx.Client.CreateSocket(), Ws2Def.IPPROTO_IPV6, Ws2Def.IPV6_V6ONLY, 0, 4, ctx.Irp)),
        Case("WskControlSocket: get IPV6_UNICAST_HOPS on an IPv4 socket", NtStatus.InvalidParameter, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateSocket();
            return Conn(s).Basic.WskControlSocket(s, WskControlSocketType.WskGetOption, Ws2Def.IPV6_UNICAST_HOPS, Ws2Def.IPPROTO_IPV6,
                0, default, 4, new byte[4], out _, ctx.Irp);
        }),
        Case("WskControlSocket: IPV6_V6ONLY after the bind", NtStatus.InvalidDeviceState, IrpUse.Completed,
            ctx => SetOption(ctx.Client.CreateBoundSocket(Ws2Def.AF_INET6), Ws2Def.IPPROTO_IPV6, Ws2Def.IPV6_V6ONLY, 0, 4, ctx.Irp)),
        Case("WskControlSocket: SO_EXCLUSIVEADDRUSE while SO_REUSEADDR is on", NtStatus.InvalidParameter, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateSocket();
            Assert.Equal(NtStatus.Success, SetOption(s, Ws2Def.SOL_SOCKET, Ws2Def.SO_REUSEADDR, 1, 4, null));
            return SetOption(s, Ws2Def.SOL_SOCKET, Ws2Def.SO_EXCLUSIVEADDRUSE, 1, 4, ctx.Irp);
        }),
        Case("WskControlSocket: SO_REUSEADDR while SO_EXCLUSIVEADDRUSE is on", NtStatus.InvalidParameter, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateSocket();
            Assert.Equal(NtStatus.Success, SetOption(s, Ws2Def.SOL_SOCKET, Ws2Def.SO_EXCLUSIVEADDRUSE, 1, 4, null));
            return SetOption(s, Ws2Def.SOL_SOCKET, Ws2Def.SO_REUSEADDR, 1, 4, ctx.Irp);
        }),
        Case("WskControlSocket: SO_EXCLUSIVEADDRUSE after the bind", NtStatus.InvalidDeviceState, IrpUse.Completed,
            ctx => SetOption(ctx.Client.CreateBoundSocket(), Ws2Def.SOL_SOCKET, Ws2Def.SO_EXCLUSIVEADDRUSE, 1, 4, ctx.Irp)),
        Case("WskControlSocket: TCP_KEEPALIVE of 0 s", NtStatus.InvalidParameter, IrpUse.Completed,
            ctx => SetOption(ctx.Client.CreateSocket(), Ws2Def.IPPROTO_TCP, Ws2Def.TCP_KEEPALIVE, 0, 4, ctx.Irp)),
        Case("WskControlSocket: TCP_KEEPINTVL over Linux's 32,767 s", NtStatus.NotSupported, IrpUse.Completed,
            ctx => SetOption(ctx.Client.CreateSocket(), Ws2Def.IPPROTO_TCP, Ws2Def.TCP_KEEPINTVL, 40_000, 4, ctx.Irp)),
        Case("WskControlSocket: TCP_KEEPCNT 200 (Windows takes it, Linux stops at 127)", NtStatus.NotSupported, IrpUse.Completed,
            ctx => SetOption(ctx.Client.CreateSocket(), Ws2Def.IPPROTO_TCP, Ws2Def.TCP_KEEPCNT, 200, 4, ctx.Irp)),
        Case("WskControlSocket: TCP_KEEPCNT 300", NtStatus.InvalidParameter, IrpUse.Completed,
            ctx => SetOption(ctx.Client.CreateSocket(), Ws2Def.IPPROTO_TCP, Ws2Def.TCP_KEEPCNT, 300, 4, ctx.Irp)),
        Case("WskControlSocket: IP_TTL 256", NtStatus.InvalidParameter, IrpUse.Completed,
            ctx => SetOption(ctx.Client.CreateSocket(), Ws2Def.IPPROTO_IP, Ws2Def.IP_TTL, 256, 4, ctx.Irp)),
        Case("WskControlSocket: IP_TTL 0 (Linux needs 1 or more)", NtStatus.NotSupported, IrpUse.Completed,
            ctx => SetOption(ctx.Client.CreateSocket(), Ws2Def.IPPROTO_IP, Ws2Def.IP_TTL, 0, 4, ctx.Irp)),
        Case("WskControlSocket: SO_PORT_SCALABILITY (Windows only)", NtStatus.NotSupported, IrpUse.Completed,
            ctx => SetOption(ctx.Client.CreateSocket(), Ws2Def.SOL_SOCKET, 0x3006, 1, 4, ctx.Irp)),
        Case("WskControlSocket: SO_KEEPALIVE on a closed basic socket", NtStatus.InvalidHandle, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateSocket(Ws2Def.AF_INET, WskConstants.WSK_FLAG_BASIC_SOCKET, null, null);
            Assert.Equal(NtStatus.Success, ((WskProviderBasicDispatch)s.Dispatch).WskCloseSocket(s, new Irp()));
            return SetOption(s, Ws2Def.SOL_SOCKET, Ws2Def.SO_KEEPALIVE, 1, 4, ctx.Irp);
        }),
        Case("WskControlSocket: a closed socket", NtStatus.InvalidHandle, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.ClosedSocket();
            return SetDword(s, Ws2Def.TCP_NODELAY, 4, ctx.Irp);
        }),
        Case("WskControlSocket: TCP_NODELAY on a socket no longer functional", NtStatus.FileForcedClosed, IrpUse.Completed, async ctx =>
        {
            WskSocket s = await ctx.FailedSocketAsync();
            return SetDword(s, Ws2Def.TCP_NODELAY, 4, ctx.Irp);
        }),
        Case("WskControlSocket: an IRP already pending", NtStatus.InvalidParameter, IrpUse.LeftPending, async ctx =>
        {
            await ctx.ConnectedWithPendingReceiveAsync();
            WskSocket s = ctx.Client.CreateSocket();
            return SetDword(s, Ws2Def.TCP_NODELAY, 4, ctx.Irp);
        }),
        Case("SO_WSK_EVENT_CALLBACK: with an IRP (documented: none)", NtStatus.InvalidParameter, IrpUse.Completed, ctx =>
        {
            WskSocket s = ctx.Client.CreateSocket(Ws2Def.AF_INET, WskConstants.WSK_FLAG_CONNECTION_SOCKET, null,
                new WskClientConnectionDispatch(WskReceiveEvent: Accepting));
            return SetEvents(s, WskEventCallbackControl.NPI_WSK_INTERFACE_ID, WskConstants.WSK_EVENT_RECEIVE, ctx.Irp);
        }),
        Case("SO_WSK_EVENT_CALLBACK: an OutputSize the output buffer does not have (found by afl++)", NtStatus.InvalidParameter, IrpUse.Untouched, ctx =>
        {
            WskSocket s = ctx.Client.CreateSocket(Ws2Def.AF_INET, WskConstants.WSK_FLAG_CONNECTION_SOCKET, null,
                new WskClientConnectionDispatch(WskReceiveEvent: Accepting));
            Span<byte> input = stackalloc byte[WskEventCallbackControl.Size];
            new WskEventCallbackControl(WskEventCallbackControl.NPI_WSK_INTERFACE_ID, WskConstants.WSK_EVENT_RECEIVE).WriteTo(input);
            return Conn(s).Basic.WskControlSocket(s, WskControlSocketType.WskSetOption, Ws2Def.SO_WSK_EVENT_CALLBACK,
                Ws2Def.SOL_SOCKET, (nuint)input.Length, input, 4, new byte[2], out _, null);
        }),
        Case("SO_WSK_EVENT_CALLBACK: an event without a callback", NtStatus.InvalidParameter, IrpUse.Untouched, ctx =>
        {
            WskSocket s = ctx.Client.CreateSocket(Ws2Def.AF_INET, WskConstants.WSK_FLAG_CONNECTION_SOCKET, null,
                new WskClientConnectionDispatch(WskReceiveEvent: Accepting));
            return SetEvents(s, WskEventCallbackControl.NPI_WSK_INTERFACE_ID, WskConstants.WSK_EVENT_DISCONNECT, null);
        }),
        Case("SO_WSK_EVENT_CALLBACK: a connection socket asking for accept events", NtStatus.InvalidParameter, IrpUse.Untouched, ctx =>
        {
            WskSocket s = ctx.Client.CreateSocket(Ws2Def.AF_INET, WskConstants.WSK_FLAG_CONNECTION_SOCKET, null,
                new WskClientConnectionDispatch(WskReceiveEvent: Accepting));
            return SetEvents(s, WskEventCallbackControl.NPI_WSK_INTERFACE_ID, WskConstants.WSK_EVENT_ACCEPT, null);
        }),
        Case("SO_WSK_EVENT_CALLBACK: another NPI's id", NtStatus.InvalidParameter, IrpUse.Untouched, ctx =>
        {
            WskSocket s = ctx.Client.CreateSocket(Ws2Def.AF_INET, WskConstants.WSK_FLAG_CONNECTION_SOCKET, null,
                new WskClientConnectionDispatch(WskReceiveEvent: Accepting));
            return SetEvents(s, Guid.Empty, WskConstants.WSK_EVENT_RECEIVE, null);
        }),
        Case("SO_WSK_EVENT_CALLBACK: an empty event mask", NtStatus.InvalidParameter, IrpUse.Untouched, ctx =>
        {
            WskSocket s = ctx.Client.CreateSocket(Ws2Def.AF_INET, WskConstants.WSK_FLAG_CONNECTION_SOCKET, null,
                new WskClientConnectionDispatch(WskReceiveEvent: Accepting));
            return SetEvents(s, WskEventCallbackControl.NPI_WSK_INTERFACE_ID, 0, null);
        }),

        // --- WskRelease -------------------------------------------------------------------------------------------
        Case("WskRelease: an indication the provider never gave", NtStatus.InvalidParameter, IrpUse.Untouched, async ctx =>
        {
            WskSocket s = await ctx.ConnectedAsync();
            return Conn(s).WskRelease(s, new WskDataIndication { Buffer = Bytes(8) });
        }),
        Case("WskRelease: a null indication", NtStatus.InvalidParameter, IrpUse.Untouched, async ctx =>
        {
            WskSocket s = await ctx.ConnectedAsync();
            return Conn(s).WskRelease(s, null!);
        }),
        Case("WskRelease: a closed socket", NtStatus.InvalidHandle, IrpUse.Untouched, ctx =>
        {
            WskSocket s = ctx.ClosedSocket();
            return Conn(s).WskRelease(s, new WskDataIndication { Buffer = Bytes(8) });
        }),

        // --- datagram sockets -------------------------------------------------------------------------------------
        Case("WskSendTo: before WskBind", NtStatus.InvalidDeviceState, IrpUse.Completed, ctx =>
        {
            WskSocket s = Datagram(ctx, bound: false);
            return Dg(s).WskSendTo(s, Bytes(8), 0, V4(9), 0, default, ctx.Irp);
        }),
        Case("WskSendTo: Flags ≠ 0 (reserved)", NtStatus.InvalidParameter, IrpUse.Completed, ctx =>
        {
            WskSocket s = Datagram(ctx);
            return Dg(s).WskSendTo(s, Bytes(8), 1, V4(9), 0, default, ctx.Irp);
        }),
        Case("WskSendTo: no remote and none fixed", NtStatus.InvalidParameter, IrpUse.Completed, ctx =>
        {
            WskSocket s = Datagram(ctx);
            return Dg(s).WskSendTo(s, Bytes(8), 0, null, 0, default, ctx.Irp);
        }),
        Case("WskSendTo: to the wildcard address", NtStatus.InvalidAddressComponent, IrpUse.Completed, ctx =>
        {
            WskSocket s = Datagram(ctx);
            return Dg(s).WskSendTo(s, Bytes(8), 0, SockAddr.Inet([0, 0, 0, 0], 9), 0, default, ctx.Irp);
        }),
        Case("WskSendTo: to port 0", NtStatus.InvalidAddressComponent, IrpUse.Completed, ctx =>
        {
            WskSocket s = Datagram(ctx);
            return Dg(s).WskSendTo(s, Bytes(8), 0, V4(0), 0, default, ctx.Irp);
        }),
        Case("WskSendTo: an address of the other family", NtStatus.InvalidParameter, IrpUse.Completed, ctx =>
        {
            WskSocket s = Datagram(ctx);
            return Dg(s).WskSendTo(s, Bytes(8), 0, V6(9), 0, default, ctx.Irp);
        }),
        Case("WskSendTo: a WSK_BUF longer than its MDL chain", NtStatus.InvalidParameter, IrpUse.Completed, ctx =>
        {
            WskSocket s = Datagram(ctx);
            return Dg(s).WskSendTo(s, new WskBuf(new Mdl(new byte[4]), 0, 8), 0, V4(9), 0, default, ctx.Irp);
        }),
        Case("WskSendTo: a cyclic MDL chain", NtStatus.InvalidParameter, IrpUse.Completed, ctx =>
        {
            WskSocket s = Datagram(ctx);
            return Dg(s).WskSendTo(s, CyclicBuffer(), 0, V4(9), 0, default, ctx.Irp);
        }),
        Case("WskSendTo: a ControlInfoLength past its buffer", NtStatus.InvalidParameter, IrpUse.Completed, ctx =>
        {
            WskSocket s = Datagram(ctx);
            return Dg(s).WskSendTo(s, Bytes(8), 0, V4(9), 64, new byte[8], ctx.Irp);
        }),
        Case("WskSendTo: a control message whose length runs past the list", NtStatus.InvalidParameter, IrpUse.Completed, ctx =>
        {
            WskSocket s = Datagram(ctx);
            byte[] control = new byte[24];
            BinaryPrimitives.WriteUInt64LittleEndian(control, 4096);
            return Dg(s).WskSendTo(s, Bytes(8), 0, V4(9), (nuint)control.Length, control, ctx.Irp);
        }),
        Case("WskSendTo: a control message other than packet information", NtStatus.NotSupported, IrpUse.Completed, ctx =>
        {
            WskSocket s = Datagram(ctx);
            byte[] control = new byte[24];
            BinaryPrimitives.WriteUInt64LittleEndian(control, 20);
            BinaryPrimitives.WriteUInt32LittleEndian(control.AsSpan(8), Ws2Def.SOL_SOCKET);
            BinaryPrimitives.WriteUInt32LittleEndian(control.AsSpan(12), 1);
            return Dg(s).WskSendTo(s, Bytes(8), 0, V4(9), (nuint)control.Length, control, ctx.Irp);
        }),
        Case("WskSendTo: a closed datagram socket", NtStatus.InvalidHandle, IrpUse.Completed, ctx =>
        {
            WskSocket s = Datagram(ctx);
            Assert.Equal(NtStatus.Success, Dg(s).WskCloseSocket(s, new Irp()));
            return Dg(s).WskSendTo(s, Bytes(8), 0, V4(9), 0, default, ctx.Irp);
        }),
        Case("WskSendTo: a null IRP", NtStatus.InvalidParameter, IrpUse.Untouched, ctx =>
        {
            WskSocket s = Datagram(ctx);
            return Dg(s).WskSendTo(s, Bytes(8), 0, V4(9), 0, default, null!);
        }),
        Case("WskSendTo: a null socket", NtStatus.InvalidParameter, IrpUse.Completed,
            ctx => WskProviderDatagramDispatchOf(ctx).WskSendTo(null!, Bytes(8), 0, V4(9), 0, default, ctx.Irp)),
        Case("WskSendTo: a connection socket given to the datagram table", NtStatus.InvalidDeviceRequest, IrpUse.Completed,
            ctx => WskProviderDatagramDispatchOf(ctx).WskSendTo(ctx.Client.CreateBoundSocket(), Bytes(8), 0, V4(9), 0, default, ctx.Irp)),
        Case("WskSend: a datagram socket given to the connection table", NtStatus.InvalidDeviceRequest, IrpUse.Completed,
            ctx => Conn(ctx.Client.CreateBoundSocket()).WskSend(Datagram(ctx), Bytes(8), 0, ctx.Irp)),
        Case("WskReceive: a datagram socket given to the connection table", NtStatus.InvalidDeviceRequest, IrpUse.Completed,
            ctx => Conn(ctx.Client.CreateBoundSocket()).WskReceive(Datagram(ctx), Bytes(8), 0, ctx.Irp)),
        Case("WskBind: a basic socket given to the connection table (it has WskControlSocket and WskCloseSocket only)",
            NtStatus.InvalidDeviceRequest, IrpUse.Completed, ctx => Conn(ctx.Client.CreateBoundSocket()).WskBind(
                ctx.Client.CreateSocket(Ws2Def.AF_INET, WskConstants.WSK_FLAG_BASIC_SOCKET, null, null), V4(0), 0, ctx.Irp)),
        Case("WskConnect: a basic socket given to the connection table", NtStatus.InvalidDeviceRequest, IrpUse.Completed,
            ctx => Conn(ctx.Client.CreateBoundSocket()).WskConnect(
                ctx.Client.CreateSocket(Ws2Def.AF_INET, WskConstants.WSK_FLAG_BASIC_SOCKET, null, null), V4(9), 0, ctx.Irp)),
        Case("WskListen: a basic socket given to the stream table", NtStatus.InvalidDeviceRequest, IrpUse.Completed,
            ctx => WskProviderStreamDispatch.Instance.WskListen(
                ctx.Client.CreateSocket(Ws2Def.AF_INET, WskConstants.WSK_FLAG_BASIC_SOCKET, null, null), ctx.Irp)),
        Case("WskGetLocalAddress: a basic socket given to the connection table", NtStatus.InvalidDeviceRequest, IrpUse.Completed,
            ctx => Conn(ctx.Client.CreateBoundSocket()).WskGetLocalAddress(
                ctx.Client.CreateSocket(Ws2Def.AF_INET, WskConstants.WSK_FLAG_BASIC_SOCKET, null, null), out _, ctx.Irp)),
        Case("WskSendMessages: a null list", NtStatus.InvalidParameter, IrpUse.Completed, ctx =>
        {
            WskSocket s = Datagram(ctx);
            return Dg(s).WskSendMessages(s, null!, 0, V4(9), 0, default, ctx.Irp);
        }),
        Case("WskSendMessages: a list that loops back on itself", NtStatus.InvalidParameter, IrpUse.Completed, ctx =>
        {
            WskSocket s = Datagram(ctx);
            var list = new WskBufList(Bytes(1));
            list.Next = new WskBufList(Bytes(1)) { Next = list };
            return Dg(s).WskSendMessages(s, list, 0, V4(9), 0, default, ctx.Irp);
        }),
        Case("WskSendMessages: an entry longer than its MDL chain", NtStatus.InvalidParameter, IrpUse.Completed, ctx =>
        {
            WskSocket s = Datagram(ctx);
            return Dg(s).WskSendMessages(s, new WskBufList(Bytes(1)) { Next = new WskBufList(new WskBuf(new Mdl(new byte[2]), 0, 9)) },
                0, V4(9), 0, default, ctx.Irp);
        }),
        Case("WskReceiveFrom: before WskBind", NtStatus.InvalidDeviceState, IrpUse.Completed, ctx =>
        {
            WskSocket s = Datagram(ctx, bound: false);
            return Dg(s).WskReceiveFrom(s, Bytes(8), 0, null, null, default, null, ctx.Irp);
        }),
        Case("WskReceiveFrom: Flags ≠ 0 (reserved)", NtStatus.InvalidParameter, IrpUse.Completed, ctx =>
        {
            WskSocket s = Datagram(ctx);
            return Dg(s).WskReceiveFrom(s, Bytes(8), 2, null, null, default, null, ctx.Irp);
        }),
        Case("WskReceiveFrom: a ControlLength larger than the ControlInfo buffer", NtStatus.InvalidParameter, IrpUse.Completed, ctx =>
        {
            WskSocket s = Datagram(ctx);
            return Dg(s).WskReceiveFrom(s, Bytes(8), 0, null, new StrongBox<uint>(64), new byte[8], null, ctx.Irp);
        }),
        Case("WskReceiveFrom: a WSK_BUF offset past its first MDL", NtStatus.InvalidParameter, IrpUse.Completed, ctx =>
        {
            WskSocket s = Datagram(ctx);
            return Dg(s).WskReceiveFrom(s, new WskBuf(new Mdl(new byte[4]), 4, 1), 0, null, null, default, null, ctx.Irp);
        }),
        Case("WskBind: a datagram socket bound twice", NtStatus.InvalidDeviceState, IrpUse.Completed, ctx =>
        {
            WskSocket s = Datagram(ctx);
            return Dg(s).WskBind(s, V4(0), 0, ctx.Irp);
        }),
        Case("WskBind: a datagram socket, an address of the other family", NtStatus.InvalidParameter, IrpUse.Completed, ctx =>
        {
            WskSocket s = Datagram(ctx, bound: false);
            return Dg(s).WskBind(s, V6(0), 0, ctx.Irp);
        }),
        Case("WskBind: a SOCK_DGRAM listening socket (Windows: STATUS_NOT_IMPLEMENTED)", NtStatus.NotImplemented, IrpUse.Completed, ctx =>
        {
            var create = new Irp();
            Assert.Equal(NtStatus.Success, ctx.Client.Npi.Dispatch.WskSocket(ctx.Client.Npi.Client, Ws2Def.AF_INET, Ws2Def.SOCK_DGRAM,
                Ws2Def.IPPROTO_UDP, WskConstants.WSK_FLAG_LISTEN_SOCKET, null, null, null, null, null, create));
            var s = ctx.Client.Track((WskSocket)create.IoStatus.Pointer!);
            return ((WskProviderListenDispatch)s.Dispatch).WskBind(s, V4(0), 0, ctx.Irp);
        }),
        Case("WskGetLocalAddress: a datagram socket before WskBind", NtStatus.InvalidDeviceState, IrpUse.Completed, ctx =>
        {
            WskSocket s = Datagram(ctx, bound: false);
            return Dg(s).WskGetLocalAddress(s, out _, ctx.Irp);
        }),
        Case("WskRelease: a datagram indication the provider never gave", NtStatus.InvalidParameter, IrpUse.Untouched, ctx =>
        {
            WskSocket s = Datagram(ctx);
            return Dg(s).WskRelease(s, new WskDatagramIndication());
        }),
        Case("SIO_WSK_SET_REMOTE_ADDRESS: before WskBind", NtStatus.InvalidDeviceState, IrpUse.Completed,
            ctx => DatagramIoctl(Datagram(ctx, bound: false), WskConstants.SIO_WSK_SET_REMOTE_ADDRESS, V4(9).ToArray(), ctx.Irp)),
        Case("SIO_WSK_SET_REMOTE_ADDRESS: a SOCKADDR cut short", NtStatus.InvalidParameter, IrpUse.Completed,
            ctx => DatagramIoctl(Datagram(ctx), WskConstants.SIO_WSK_SET_REMOTE_ADDRESS, V4(9).ToArray()[..8], ctx.Irp)),
        Case("SIO_WSK_SET_SENDTO_ADDRESS: the wildcard", NtStatus.InvalidAddressComponent, IrpUse.Completed,
            ctx => DatagramIoctl(Datagram(ctx), WskConstants.SIO_WSK_SET_SENDTO_ADDRESS, SockAddr.Inet([0, 0, 0, 0], 9).ToArray(), ctx.Irp)),
        Case("WskControlSocket: IPV6_PKTINFO on an AF_INET datagram socket", NtStatus.NotSupported, IrpUse.Completed, ctx =>
        {
            WskSocket s = Datagram(ctx);
            return Dg(s).WskControlSocket(s, WskControlSocketType.WskSetOption, Ws2Def.IPV6_PKTINFO, Ws2Def.IPPROTO_IPV6, 4, new byte[4], 0, default, out _, ctx.Irp);
        }),
        Case("WskControlSocket: IP_TTL 256 on a datagram socket (Windows refuses it)", NtStatus.InvalidParameter, IrpUse.Completed,
            ctx => DatagramOption(Datagram(ctx), Ws2Def.IPPROTO_IP, Ws2Def.IP_TTL, 256, ctx.Irp)),
        Case("WskControlSocket: IP_TTL 0 on a datagram socket (Linux needs 1 or more)", NtStatus.NotSupported, IrpUse.Completed,
            ctx => DatagramOption(Datagram(ctx), Ws2Def.IPPROTO_IP, Ws2Def.IP_TTL, 0, ctx.Irp)),
        Case("WskControlSocket: SO_BROADCAST with a 2-byte input", NtStatus.InvalidParameter, IrpUse.Completed, ctx =>
        {
            WskSocket s = Datagram(ctx);
            return Dg(s).WskControlSocket(s, WskControlSocketType.WskSetOption, Ws2Def.SO_BROADCAST, Ws2Def.SOL_SOCKET, 2, new byte[4], 0, default, out _, ctx.Irp);
        }),
        Case("SO_WSK_EVENT_CALLBACK: WSK_EVENT_RECEIVE on a datagram socket", NtStatus.InvalidParameter, IrpUse.Untouched, ctx =>
        {
            WskSocket s = Datagram(ctx);
            return SetEvents(s, WskEventCallbackControl.NPI_WSK_INTERFACE_ID, WskConstants.WSK_EVENT_RECEIVE, null);
        }),
        Case("SO_WSK_EVENT_CALLBACK: WSK_EVENT_RECEIVE_FROM without a WskReceiveFromEvent", NtStatus.InvalidParameter, IrpUse.Untouched, ctx =>
        {
            WskSocket s = Datagram(ctx);
            return SetEvents(s, WskEventCallbackControl.NPI_WSK_INTERFACE_ID, WskConstants.WSK_EVENT_RECEIVE_FROM, null);
        }),
    ];

    private static WskProviderDatagramDispatch Dg(WskSocket socket) => (WskProviderDatagramDispatch)socket.Dispatch;

    /// <summary>The datagram table, reached through a datagram socket of the case's client.</summary>
    private static WskProviderDatagramDispatch WskProviderDatagramDispatchOf(BadInputContext ctx) => Dg(Datagram(ctx, bound: false));

    /// <summary>A datagram socket of the case's client (closed with it), bound to loopback unless <paramref name="bound"/> is false.</summary>
    private static NtStatus DatagramOption(WskSocket socket, uint level, uint name, uint value, Irp irp)
    {
        byte[] input = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(input, value);
        return Dg(socket).WskControlSocket(socket, WskControlSocketType.WskSetOption, name, level, 4, input, 0, default, out _, irp);
    }

    private static WskSocket Datagram(BadInputContext ctx, bool bound = true)
    {
        WskSocket socket = ctx.Client.CreateDatagram();
        if (bound)
        {
            Assert.Equal(NtStatus.Success, Dg(socket).WskBind(socket, V4(0), 0, new Irp()));
        }

        return socket;
    }

    private static NtStatus DatagramIoctl(WskSocket socket, uint code, byte[] input, Irp irp)
        => Dg(socket).WskControlSocket(socket, WskControlSocketType.WskIoctl, code, 0, (nuint)input.Length, input, 0, default, out _, irp);

    /// <summary>A receive event that takes everything it is given.</summary>
    private static NtStatus Accepting(object? context, uint flags, WskDataIndication? indication, nuint bytesIndicated, ref nuint bytesAccepted)
        => NtStatus.Success;

    /// <summary>A request the health check sends and expects echoed.</summary>
    internal static ReadOnlySpan<byte> HealthRequest => Request;
}
