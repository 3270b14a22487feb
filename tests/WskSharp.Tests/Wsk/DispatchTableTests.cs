using System.Reflection;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Wsk;

/// <summary>
/// The dispatch tables and constants of WSK-REFERENCE.md: member order is part of the contract (a C client indexes
/// the table), so each table's members are checked name by name in declaration order, with their function types and
/// parameter orders; the constants are checked against the header values.
/// </summary>
public sealed class DispatchTableTests
{
    public static TheoryData<string, string[]> Tables => new()
    {
        { nameof(WskProviderDispatch), ["Version", "Reserved", "WskSocket", "WskSocketConnect", "WskControlClient", "WskGetAddressInfo", "WskFreeAddressInfo", "WskGetNameInfo"] },
        { nameof(WskProviderBasicDispatch), ["WskControlSocket", "WskCloseSocket"] },
        { nameof(WskProviderListenDispatch), ["Basic", "WskBind", "WskAccept", "WskInspectComplete", "WskGetLocalAddress"] },
        { nameof(WskProviderConnectionDispatch), ["Basic", "WskBind", "WskConnect", "WskGetLocalAddress", "WskGetRemoteAddress", "WskSend", "WskReceive", "WskDisconnect", "WskRelease", "WskConnectEx", "WskSendEx", "WskReceiveEx"] },
        { nameof(WskProviderStreamDispatch), ["Basic", "WskBind", "WskAccept", "WskConnect", "WskListen", "WskSend", "WskReceive", "WskDisconnect", "WskRelease", "WskGetLocalAddress", "WskGetRemoteAddress", "WskConnectEx", "WskSendEx", "WskReceiveEx"] },
        { nameof(WskProviderDatagramDispatch), ["Basic", "WskBind", "WskSendTo", "WskReceiveFrom", "WskRelease", "WskGetLocalAddress", "WskSendMessages"] },
    };

    private static Type TableType(string name) => typeof(WskProviderDispatch).Assembly.GetType($"WskSharp.Wsk.{name}", throwOnError: true)!;

    private static PropertyInfo[] Members(Type table) =>
        [.. table.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly).OrderBy(p => p.MetadataToken)];

    [Theory]
    [MemberData(nameof(Tables))]
    public void Each_table_has_exactly_the_reference_members_in_the_reference_order(string table, string[] members) =>
        Assert.Equal(members, Members(TableType(table)).Select(p => p.Name));

    [Theory]
    [MemberData(nameof(Tables))]
    public void Each_function_member_has_the_PFN_type_of_its_name(string table, string[] members)
    {
        foreach (PropertyInfo member in Members(TableType(table)))
        {
            Type expected = member.Name switch
            {
                "Version" or "Reserved" => typeof(ushort),
                "Basic" => typeof(WskProviderBasicDispatch),
                // wsk.h: a datagram socket's WskRelease is PFN_WSK_RELEASE_DATAGRAM_INDICATION_LIST, not the stream one.
                "WskRelease" when table == nameof(WskProviderDatagramDispatch) => typeof(PfnWskReleaseDatagramIndicationList),
                _ => typeof(WskProviderDispatch).Assembly.GetType($"WskSharp.Wsk.Pfn{member.Name}", throwOnError: true)!,
            };
            Assert.True(expected == member.PropertyType, $"{table}.{member.Name} is {member.PropertyType.Name}, not {expected.Name}");
            Assert.False(member.CanWrite, $"{table}.{member.Name} can be changed");
        }

        Assert.Equal(members.Length, Members(TableType(table)).Length);
    }

    public static TheoryData<string, string[]> Signatures => new()
    {
        { nameof(PfnWskSocket), ["Client", "AddressFamily", "SocketType", "Protocol", "Flags", "SocketContext", "Dispatch", "OwningProcess", "OwningThread", "SecurityDescriptor", "Irp"] },
        { nameof(PfnWskSocketConnect), ["Client", "SocketType", "Protocol", "LocalAddress", "RemoteAddress", "Flags", "SocketContext", "Dispatch", "OwningProcess", "OwningThread", "SecurityDescriptor", "Irp"] },
        { nameof(PfnWskBind), ["Socket", "LocalAddress", "Flags", "Irp"] },
        { nameof(PfnWskConnect), ["Socket", "RemoteAddress", "Flags", "Irp"] },
        { nameof(PfnWskConnectEx), ["Socket", "RemoteAddress", "Buffer", "Flags", "Irp"] },
        { nameof(PfnWskAccept), ["ListenSocket", "Flags", "AcceptSocketContext", "AcceptSocketDispatch", "LocalAddress", "RemoteAddress", "Irp"] },
        { nameof(PfnWskSend), ["Socket", "Buffer", "Flags", "Irp"] },
        { nameof(PfnWskReceive), ["Socket", "Buffer", "Flags", "Irp"] },
        { nameof(PfnWskDisconnect), ["Socket", "Buffer", "Flags", "Irp"] },
        { nameof(PfnWskGetLocalAddress), ["Socket", "LocalAddress", "Irp"] },
        { nameof(PfnWskGetRemoteAddress), ["Socket", "RemoteAddress", "Irp"] },
        { nameof(PfnWskControlSocket), ["Socket", "RequestType", "ControlCode", "Level", "InputSize", "InputBuffer", "OutputSize", "OutputBuffer", "OutputSizeReturned", "Irp"] },
        { nameof(PfnWskCloseSocket), ["Socket", "Irp"] },
        { nameof(PfnWskRelease), ["Socket", "DataIndication"] },
        { nameof(PfnWskSendTo), ["Socket", "Buffer", "Flags", "RemoteAddress", "ControlInfoLength", "ControlInfo", "Irp"] },
        { nameof(PfnWskReceiveFrom), ["Socket", "Buffer", "Flags", "RemoteAddress", "ControlLength", "ControlInfo", "ControlFlags", "Irp"] },
        { nameof(PfnWskReleaseDatagramIndicationList), ["Socket", "DatagramIndication"] },
        { nameof(PfnWskSendMessages), ["Socket", "BufferList", "Flags", "RemoteAddress", "ControlInfoLength", "ControlInfo", "Irp"] },
    };

    [Theory]
    [MemberData(nameof(Signatures))]
    public void Each_call_takes_the_reference_parameters_in_order(string function, string[] parameters)
    {
        MethodInfo invoke = typeof(WskProviderDispatch).Assembly.GetType($"WskSharp.Wsk.{function}", throwOnError: true)!.GetMethod("Invoke")!;
        Assert.Equal(parameters, invoke.GetParameters().Select(p => char.ToUpperInvariant(p.Name![0]) + p.Name[1..]));
        Assert.Equal(typeof(NtStatus), invoke.ReturnType);
        if (parameters[^1] == "Irp")
        {
            Assert.Equal(typeof(Irp), invoke.GetParameters()[^1].ParameterType);
        }
    }

    public static TheoryData<string, ulong> Ws2DefValues => new()
    {
        { "AF_UNSPEC", 0 }, { "AF_INET", 2 }, { "AF_INET6", 23 },
        { "SOCK_STREAM", 1 }, { "SOCK_DGRAM", 2 },
        { "IPPROTO_IP", 0 }, { "IPPROTO_TCP", 6 }, { "IPPROTO_UDP", 17 }, { "IPPROTO_IPV6", 41 },
        { "SO_BROADCAST", 0x20 }, { "IP_PKTINFO", 19 }, { "IPV6_PKTINFO", 19 },
        { "MSG_TRUNC", 0x0100 }, { "MSG_CTRUNC", 0x0200 }, { "MSG_BCAST", 0x0400 }, { "MSG_MCAST", 0x0800 },
        { "SOL_SOCKET", 0xFFFF },
        { "SO_REUSEADDR", 0x4 }, { "SO_KEEPALIVE", 0x8 }, { "SO_SNDBUF", 0x1001 }, { "SO_RCVBUF", 0x1002 }, { "SO_WSK_EVENT_CALLBACK", 0x4002 },
        { "SO_CONDITIONAL_ACCEPT", 0x3002 }, { "SO_EXCLUSIVEADDRUSE", 0xFFFFFFFB }, { "IP_TTL", 4 },
        { "IPV6_UNICAST_HOPS", 4 }, { "IPV6_V6ONLY", 27 }, { "TCP_KEEPIDLE", 3 },
        { "TCP_NODELAY", 1 }, { "TCP_KEEPALIVE", 3 }, { "TCP_MAXSEG", 4 }, { "TCP_FASTOPEN", 15 }, { "TCP_KEEPCNT", 16 }, { "TCP_KEEPINTVL", 17 },
        { "SOCKADDR_IN_SIZE", 16 }, { "SOCKADDR_IN6_SIZE", 28 }, { "SOCKADDR_STORAGE_SIZE", 128 },
        { "AI_PASSIVE", 0x01 }, { "AI_CANONNAME", 0x02 }, { "AI_NUMERICHOST", 0x04 }, { "AI_NUMERICSERV", 0x08 }, { "AI_ALL", 0x0100 },
        { "AI_ADDRCONFIG", 0x0400 }, { "AI_V4MAPPED", 0x0800 }, { "NS_ALL", 0 }, { "NS_DNS", 12 },
        { "NI_NOFQDN", 0x01 }, { "NI_NUMERICHOST", 0x02 }, { "NI_NAMEREQD", 0x04 }, { "NI_NUMERICSERV", 0x08 }, { "NI_DGRAM", 0x10 },
    };

    public static TheoryData<string, ulong> WskConstantValues => new()
    {
        { "WSK_V1_0", 0x0100 }, { "WSK_NO_WAIT", 0 }, { "WSK_INFINITE_WAIT", 0xFFFFFFFF },
        { "WSK_FLAG_BASIC_SOCKET", 0x0 }, { "WSK_FLAG_LISTEN_SOCKET", 0x1 }, { "WSK_FLAG_CONNECTION_SOCKET", 0x2 },
        { "WSK_FLAG_DATAGRAM_SOCKET", 0x4 }, { "WSK_FLAG_STREAM_SOCKET", 0x8 },
        { "WSK_FLAG_ABORTIVE", 0x1 }, { "WSK_FLAG_NODELAY", 0x2 }, { "WSK_FLAG_WAITALL", 0x2 }, { "WSK_FLAG_DRAIN", 0x4 },
        { "WSK_EVENT_SEND_BACKLOG", 0x10 }, { "WSK_EVENT_RECEIVE", 0x40 }, { "WSK_EVENT_DISCONNECT", 0x80 },
        { "WSK_EVENT_ACCEPT", 0x200 }, { "WSK_EVENT_DISABLE", 0x80000000 }, { "WSK_EVENT_RECEIVE_FROM", 0x100 },
        { "SIO_WSK_SET_REMOTE_ADDRESS", 0x8F000001 }, { "SIO_WSK_SET_SENDTO_ADDRESS", 0x8F000006 }, { "SIO_WSK_QUERY_INSPECT_ID", 0x4F000005 },
        { "WSK_SET_STATIC_EVENT_CALLBACKS", 7 },
    };

    private static ulong Constant(Type type, string name)
    {
        FieldInfo? field = type.GetField(name, BindingFlags.Public | BindingFlags.Static);
        Assert.True(field is { IsLiteral: true }, $"{type.Name}.{name} is missing or not a constant");
        return Convert.ToUInt64(field.GetRawConstantValue(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Theory]
    [MemberData(nameof(Ws2DefValues))]
    public void Ws2Def_constants_have_the_Windows_header_values(string name, ulong value) =>
        Assert.Equal(value, Constant(typeof(Ws2Def), name));

    [Theory]
    [MemberData(nameof(WskConstantValues))]
    public void WskConstants_have_the_wsk_h_values(string name, ulong value) =>
        Assert.Equal(value, Constant(typeof(WskConstants), name));

    [Fact]
    public void Every_public_constant_is_checked_against_the_reference()
    {
        static IEnumerable<string> Names(Type type) =>
            type.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => f.Name).Order();

        Assert.Equal(Ws2DefValues.Select(row => row.Data.Item1).Order(), Names(typeof(Ws2Def)));
        Assert.Equal(WskConstantValues.Select(row => row.Data.Item1).Order(), Names(typeof(WskConstants)));
    }

    [Theory]
    [InlineData(1, 0, 0x0100)]
    [InlineData(2, 0, 0x0200)]
    [InlineData(1, 2, 0x0102)]
    public void MAKE_WSK_VERSION_puts_the_major_version_in_the_high_byte(byte major, byte minor, ushort expected) =>
        Assert.Equal(expected, WskConstants.MAKE_WSK_VERSION(major, minor));

    [Fact]
    public void WSK_CONTROL_SOCKET_TYPE_has_the_reference_values()
    {
        Assert.Equal(0, (int)WskControlSocketType.WskSetOption);
        Assert.Equal(1, (int)WskControlSocketType.WskGetOption);
        Assert.Equal(2, (int)WskControlSocketType.WskIoctl);
        Assert.Equal(3, Enum.GetValues<WskControlSocketType>().Length);
    }

    [Fact]
    public void The_provider_NPI_dispatch_is_version_1_0_and_every_function_is_present()
    {
        using var client = new WskTestClient();
        WskProviderDispatch dispatch = client.Npi.Dispatch;

        Assert.Equal(WskConstants.MAKE_WSK_VERSION(1, 0), dispatch.Version);
        Assert.Equal(0, dispatch.Reserved);
        AssertAllFunctionsPresent(dispatch);
    }

    [Fact]
    public void A_connection_sockets_Dispatch_is_the_connection_table()
    {
        using var client = new WskTestClient();
        WskSocket socket = client.CreateSocket(Ws2Def.AF_INET, WskConstants.WSK_FLAG_CONNECTION_SOCKET);
        WskSocket other = client.CreateSocket(Ws2Def.AF_INET6, WskConstants.WSK_FLAG_CONNECTION_SOCKET);

        var table = Assert.IsType<WskProviderConnectionDispatch>(socket.Dispatch);
        Assert.Equal(WskConstants.WSK_FLAG_CONNECTION_SOCKET, socket.Category);
        Assert.Same(table, other.Dispatch); // One table for the category, as in the kernel.
        AssertAllFunctionsPresent(table);
        AssertAllFunctionsPresent(table.Basic);
        Assert.Equal(NtStatus.Success, table.WskBind(socket, WskTestClient.Loopback(Ws2Def.AF_INET, 0), 0, new Irp()));
    }

    [Fact]
    public void A_stream_sockets_Dispatch_is_the_stream_table()
    {
        using var client = new WskTestClient();
        WskSocket socket = client.CreateSocket(Ws2Def.AF_INET, WskConstants.WSK_FLAG_STREAM_SOCKET);

        var table = Assert.IsType<WskProviderStreamDispatch>(socket.Dispatch);
        Assert.Equal(WskConstants.WSK_FLAG_STREAM_SOCKET, socket.Category);
        Assert.Same(table, client.CreateSocket(Ws2Def.AF_INET6, WskConstants.WSK_FLAG_STREAM_SOCKET).Dispatch);
        AssertAllFunctionsPresent(table);
        AssertAllFunctionsPresent(table.Basic);
        Assert.Equal(NtStatus.Success, table.WskBind(socket, WskTestClient.Loopback(Ws2Def.AF_INET, 0), 0, new Irp()));
        Assert.Equal(NtStatus.Success, table.Basic.WskCloseSocket(socket, new Irp()));
    }

    [Fact]
    public void A_listen_sockets_Dispatch_is_the_listen_table()
    {
        using var client = new WskTestClient();
        WskSocket socket = client.CreateSocket(Ws2Def.AF_INET, WskConstants.WSK_FLAG_LISTEN_SOCKET);

        var table = Assert.IsType<WskProviderListenDispatch>(socket.Dispatch);
        Assert.Equal(WskConstants.WSK_FLAG_LISTEN_SOCKET, socket.Category);
        AssertAllFunctionsPresent(table);
        AssertAllFunctionsPresent(table.Basic);
    }

    [Fact]
    public void Any_sockets_Dispatch_reaches_the_basic_functions()
    {
        using var client = new WskTestClient();
        foreach (uint category in new[] { WskConstants.WSK_FLAG_CONNECTION_SOCKET, WskConstants.WSK_FLAG_STREAM_SOCKET, WskConstants.WSK_FLAG_LISTEN_SOCKET })
        {
            WskSocket socket = client.CreateSocket(Ws2Def.AF_INET, category);
            WskProviderBasicDispatch basic = (WskProviderBasicDispatch)socket.Dispatch; // As a C client casts Socket->Dispatch.
            Assert.Equal(NtStatus.Success, basic.WskCloseSocket(socket, new Irp()));
            Assert.Equal(NtStatus.InvalidHandle, basic.WskCloseSocket(socket, new Irp()));
        }
    }

    private static void AssertAllFunctionsPresent(object table)
    {
        foreach (PropertyInfo member in Members(table.GetType()).Where(p => p.PropertyType != typeof(ushort)))
        {
            Assert.True(member.GetValue(table) is not null, $"{table.GetType().Name}.{member.Name} is null");
        }
    }
}
