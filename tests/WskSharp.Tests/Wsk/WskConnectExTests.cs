using System.Net;
using System.Net.Sockets;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Wsk;

/// <summary>
/// WskConnectEx against the Linux stack on loopback, shaped like Wine's netio conformance tests: a sentinel in
/// IoStatus, the call, its immediate return, the completion, Status and Information, the completion routine's
/// count. One test per row of the reference's status table, and per rule of its remarks.
/// </summary>
public sealed class WskConnectExTests : IDisposable
{
    private static readonly NtStatus Sentinel = new(0xDEADBEEF);

    private readonly WskTestClient _client = new();
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly TcpListener _listener6 = new(IPAddress.IPv6Loopback, 0);

    public WskConnectExTests()
    {
        _listener.Start();
        _listener6.Start();
    }

    private SockAddr Server => SockAddr.FromEndPoint((IPEndPoint)_listener.LocalEndpoint);

    private SockAddr Server6 => SockAddr.FromEndPoint((IPEndPoint)_listener6.LocalEndpoint);

    /// <summary>An IRP with a sentinel status and a counting completion routine.</summary>
    private static (Irp Irp, StrongBoxCounter Routine) NewIrp()
    {
        var irp = new Irp();
        var counter = new StrongBoxCounter();
        irp.SetCompletionRoutine(static (i, c) => { ((StrongBoxCounter)c!).Hit(i); return NtStatus.MoreProcessingRequired; }, counter);
        irp.IoStatus.Status = Sentinel;
        irp.IoStatus.Information = 0xBADu;
        return (irp, counter);
    }

    /// <summary>Asserts that no connection reached the listener (nothing was sent).</summary>
    private static void AssertNothingArrived(TcpListener listener) => Assert.False(listener.Pending(), "a connection reached the server");

    private static async Task<byte[]> ReadAllAsync(Socket peer, int expected)
    {
        var buffer = new byte[expected + 1];
        int total = 0;
        while (total < expected)
        {
            int n = await peer.ReceiveAsync(buffer.AsMemory(total), SocketFlags.None, TestContext.Current.CancellationToken).AsTask()
                .WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return buffer[..total];
    }

    [Fact]
    public async Task Success_without_a_buffer_connects_and_Information_is_0()
    {
        WskSocket socket = _client.CreateBoundSocket();
        var (irp, routine) = NewIrp();
        NtStatus returned = WskTestClient.Connection(socket).WskConnectEx(socket, Server, null, 0, irp);
        Assert.True(returned == NtStatus.Success || returned == NtStatus.Pending, returned.ToString());
        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(returned, irp));
        Assert.Equal(0u, irp.IoStatus.Information);
        Assert.Equal(1, routine.Count);
        using Socket peer = await _listener.AcceptSocketAsync(TestContext.Current.CancellationToken);
        Assert.NotNull(peer.RemoteEndPoint);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    [InlineData(65_535)]
    public async Task Success_with_a_buffer_sends_it_all_and_Information_is_its_length(int length)
    {
        WskSocket socket = _client.CreateBoundSocket();
        byte[] data = RandomBytes(length, seed: length);
        var (irp, routine) = NewIrp();
        NtStatus returned = WskTestClient.Connection(socket).WskConnectEx(socket, Server, new WskBuf(new Mdl(data)), 0, irp);
        using Socket peer = await _listener.AcceptSocketAsync(TestContext.Current.CancellationToken);
        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(returned, irp));
        Assert.Equal((nuint)length, irp.IoStatus.Information);
        Assert.Equal(1, routine.Count);
        Assert.Equal(data, await ReadAllAsync(peer, length));
    }

    [Fact]
    public async Task A_buffer_across_an_MDL_chain_with_an_offset_arrives_in_order()
    {
        WskSocket socket = _client.CreateBoundSocket();
        byte[] flat = RandomBytes(300, seed: 7);
        Mdl chain = Mdl.Chain(flat.AsMemory(0, 10), flat.AsMemory(10, 1), flat.AsMemory(11, 200), flat.AsMemory(211, 89))!;
        var (irp, _) = NewIrp();
        NtStatus returned = WskTestClient.Connection(socket).WskConnectEx(socket, Server, new WskBuf(chain, 3, 290), 0, irp);
        using Socket peer = await _listener.AcceptSocketAsync(TestContext.Current.CancellationToken);
        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(returned, irp));
        Assert.Equal(290u, irp.IoStatus.Information);
        Assert.Equal(flat[3..293], await ReadAllAsync(peer, 290));
    }

    [Theory]
    [InlineData(1u)]
    [InlineData(0x80000000u)]
    [InlineData(WskConstants.WSK_FLAG_NODELAY)]
    public void Flags_other_than_zero_are_STATUS_INVALID_PARAMETER_returned_and_in_the_IRP(uint flags)
    {
        WskSocket socket = _client.CreateBoundSocket();
        var (irp, routine) = NewIrp();
        NtStatus returned = WskTestClient.Connection(socket).WskConnectEx(socket, Server, new WskBuf(new Mdl(new byte[8])), flags, irp);
        AssertRefused(NtStatus.InvalidParameter, returned, irp, routine);
        AssertNothingArrived(_listener);
    }

    [Fact]
    public void A_buffer_of_65536_bytes_is_STATUS_BUFFER_OVERFLOW()
    {
        WskSocket socket = _client.CreateBoundSocket();
        var (irp, routine) = NewIrp();
        NtStatus returned = WskTestClient.Connection(socket).WskConnectEx(socket, Server, new WskBuf(new Mdl(new byte[65_536])), 0, irp);
        AssertRefused(NtStatus.BufferOverflow, returned, irp, routine);
        AssertNothingArrived(_listener);

        // The socket is untouched by the refusal: a correct call on it still connects.
        (irp, _) = NewIrp();
        Assert.NotEqual(NtStatus.BufferOverflow, WskTestClient.Connection(socket).WskConnectEx(socket, Server, new WskBuf(new Mdl(new byte[65_535])), 0, irp));
    }

    [Fact]
    public void A_buffer_larger_than_its_MDL_chain_is_STATUS_INVALID_PARAMETER()
    {
        WskSocket socket = _client.CreateBoundSocket();
        var (irp, routine) = NewIrp();
        NtStatus returned = WskTestClient.Connection(socket).WskConnectEx(socket, Server, new WskBuf(new Mdl(new byte[10]), 0, 11), 0, irp);
        AssertRefused(NtStatus.InvalidParameter, returned, irp, routine);
        AssertNothingArrived(_listener);
    }

    [Fact]
    public void A_socket_that_was_never_bound_is_STATUS_INVALID_DEVICE_STATE()
    {
        WskSocket socket = _client.CreateSocket();
        var (irp, routine) = NewIrp();
        NtStatus returned = WskTestClient.Connection(socket).WskConnectEx(socket, Server, new WskBuf(new Mdl(new byte[8])), 0, irp);
        AssertRefused(NtStatus.InvalidDeviceState, returned, irp, routine);
        AssertNothingArrived(_listener);
    }

    [Fact]
    public void An_address_of_another_family_than_the_sockets_is_STATUS_INVALID_PARAMETER()
    {
        WskSocket socket = _client.CreateBoundSocket(Ws2Def.AF_INET);
        var (irp, routine) = NewIrp();
        NtStatus returned = WskTestClient.Connection(socket).WskConnectEx(socket, Server6, new WskBuf(new Mdl(new byte[8])), 0, irp);
        AssertRefused(NtStatus.InvalidParameter, returned, irp, routine);
        AssertNothingArrived(_listener6);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Port_0_or_the_wildcard_address_is_STATUS_INVALID_ADDRESS_COMPONENT(bool wildcard)
    {
        WskSocket socket = _client.CreateBoundSocket();
        var (irp, routine) = NewIrp();
        SockAddr target = wildcard ? SockAddr.Inet([0, 0, 0, 0], Server.Port) : SockAddr.Inet([127, 0, 0, 1], 0);
        NtStatus returned = WskTestClient.Connection(socket).WskConnectEx(socket, target, null, 0, irp);
        AssertRefused(NtStatus.InvalidAddressComponent, returned, irp, routine);
        AssertNothingArrived(_listener);
    }

    [Fact]
    public async Task A_refused_destination_completes_with_STATUS_CONNECTION_REFUSED()
    {
        using Socket holder = ClosedPort(out ushort closedPort);

        WskSocket socket = _client.CreateBoundSocket();
        var (irp, routine) = NewIrp();
        NtStatus returned = WskTestClient.Connection(socket).WskConnectEx(socket, SockAddr.Inet([127, 0, 0, 1], closedPort), new WskBuf(new Mdl(new byte[8])), 0, irp);
        Assert.Equal(NtStatus.ConnectionRefused, await WskTestClient.Complete(returned, irp));
        Assert.Equal(0u, irp.IoStatus.Information);
        Assert.Equal(1, routine.Count);
    }

    [Fact]
    public async Task A_socket_no_longer_functional_is_STATUS_FILE_FORCED_CLOSED_and_can_still_be_closed()
    {
        WskSocket socket = _client.CreateBoundSocket();
        socket.Engine.ForceClose(); // What the provider does when the host socket fails under it.
        var (irp, routine) = NewIrp();
        NtStatus returned = WskTestClient.Connection(socket).WskConnectEx(socket, Server, new WskBuf(new Mdl(new byte[8])), 0, irp);
        AssertRefused(NtStatus.FileForcedClosed, returned, irp, routine);
        AssertNothingArrived(_listener);

        var close = new Irp();
        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(WskTestClient.Connection(socket).Basic.WskCloseSocket(socket, close), close));
    }

    [Fact]
    public async Task After_a_failed_connect_the_socket_is_STATUS_FILE_FORCED_CLOSED()
    {
        using Socket holder = ClosedPort(out ushort closedPort);

        WskSocket socket = _client.CreateBoundSocket();
        var irp = new Irp();
        Assert.Equal(NtStatus.ConnectionRefused, await WskTestClient.Complete(
            WskTestClient.Connection(socket).WskConnectEx(socket, SockAddr.Inet([127, 0, 0, 1], closedPort), null, 0, irp), irp));
        var (again, routine) = NewIrp();
        AssertRefused(NtStatus.FileForcedClosed, WskTestClient.Connection(socket).WskConnectEx(socket, Server, null, 0, again), again, routine);
    }

    [Fact]
    public async Task A_connected_socket_is_STATUS_CONNECTION_ACTIVE()
    {
        WskSocket socket = _client.CreateBoundSocket();
        var irp = new Irp();
        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(WskTestClient.Connection(socket).WskConnectEx(socket, Server, null, 0, irp), irp));
        using Socket peer = await _listener.AcceptSocketAsync(TestContext.Current.CancellationToken);
        var (again, routine) = NewIrp();
        AssertRefused(NtStatus.ConnectionActive, WskTestClient.Connection(socket).WskConnectEx(socket, Server, null, 0, again), again, routine);
    }

    [Fact]
    public async Task A_closed_socket_is_refused_with_STATUS_INVALID_HANDLE()
    {
        WskSocket socket = _client.CreateBoundSocket();
        var close = new Irp();
        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(WskTestClient.Connection(socket).Basic.WskCloseSocket(socket, close), close));
        var (irp, routine) = NewIrp();
        AssertRefused(NtStatus.InvalidHandle, WskTestClient.Connection(socket).WskConnectEx(socket, Server, null, 0, irp), irp, routine);
        (irp, routine) = NewIrp();
        AssertRefused(NtStatus.InvalidHandle, WskTestClient.Connection(socket).Basic.WskCloseSocket(socket, irp), irp, routine);
    }

    [Fact]
    public void A_null_IRP_is_refused_and_nothing_is_sent()
    {
        WskSocket socket = _client.CreateBoundSocket();
        Assert.Equal(NtStatus.InvalidParameter, WskTestClient.Connection(socket).WskConnectEx(socket, Server, null, 0, null!));
        AssertNothingArrived(_listener);
    }

    [Fact]
    public async Task The_provider_keeps_no_reference_to_the_buffer_after_completion()
    {
        WskSocket socket = _client.CreateBoundSocket();
        var irp = new Irp();
        WeakReference memory = await ConnectWithTransientBuffer(socket, irp);
        using Socket peer = await _listener.AcceptSocketAsync(TestContext.Current.CancellationToken);
        Assert.Equal(NtStatus.Success, irp.IoStatus.Status);
        for (int i = 0; i < 5 && memory.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        // Once the IRP completed, the caller may free its MDL: nothing of the provider's may still hold it.
        Assert.False(memory.IsAlive, "the provider still references the WskConnectEx buffer after completion");
        Assert.Equal(1000, (await ReadAllAsync(peer, 1000)).Length);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private async Task<WeakReference> ConnectWithTransientBuffer(WskSocket socket, Irp irp)
    {
        byte[] data = RandomBytes(1000, seed: 3);
        var reference = new WeakReference(data);
        NtStatus returned = WskTestClient.Connection(socket).WskConnectEx(socket, Server, new WskBuf(new Mdl(data)), 0, irp);
        await WskTestClient.Complete(returned, irp);
        return reference;
    }

    [Fact]
    public async Task Overwriting_the_buffer_after_completion_does_not_change_what_was_sent()
    {
        WskSocket socket = _client.CreateBoundSocket();
        byte[] data = RandomBytes(4096, seed: 11);
        byte[] original = (byte[])data.Clone();
        var irp = new Irp();
        NtStatus returned = WskTestClient.Connection(socket).WskConnectEx(socket, Server, new WskBuf(new Mdl(data)), 0, irp);
        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(returned, irp));
        Array.Fill(data, (byte)0xEE);
        using Socket peer = await _listener.AcceptSocketAsync(TestContext.Current.CancellationToken);
        Assert.Equal(original, await ReadAllAsync(peer, original.Length));
    }

    [Fact]
    public async Task IPv6_connects_and_sends_its_buffer()
    {
        WskSocket socket = _client.CreateBoundSocket(Ws2Def.AF_INET6);
        byte[] data = RandomBytes(500, seed: 5);
        var irp = new Irp();
        NtStatus returned = WskTestClient.Connection(socket).WskConnectEx(socket, Server6, new WskBuf(new Mdl(data)), 0, irp);
        using Socket peer = await _listener6.AcceptSocketAsync(TestContext.Current.CancellationToken);
        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(returned, irp));
        Assert.Equal(500u, irp.IoStatus.Information);
        Assert.Equal(data, await ReadAllAsync(peer, 500));
    }

    [Fact]
    public async Task WskConnect_is_WskConnectEx_without_a_buffer()
    {
        WskSocket socket = _client.CreateBoundSocket();
        var (irp, routine) = NewIrp();
        AssertRefused(NtStatus.InvalidParameter, WskTestClient.Connection(socket).WskConnect(socket, Server, 1, irp), irp, routine);
        (irp, routine) = NewIrp();
        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(WskTestClient.Connection(socket).WskConnect(socket, Server, 0, irp), irp));
        Assert.Equal(1, routine.Count);
    }

    [Fact]
    public async Task WskSocketConnect_creates_binds_and_connects_in_one_call()
    {
        var irp = new Irp();
        NtStatus returned = _client.Npi.Dispatch.WskSocketConnect(_client.Npi.Client, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP,
            SockAddr.Inet([127, 0, 0, 1], 0), Server, 0, null, null, null, null, null, irp);
        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(returned, irp));
        WskSocket socket = _client.Track(Assert.IsType<WskSocket>(irp.IoStatus.Pointer)); // Closed by Dispose if an assertion fails first.
        using Socket peer = await _listener.AcceptSocketAsync(TestContext.Current.CancellationToken);
        var close = new Irp();
        Assert.Equal(NtStatus.Success, WskTestClient.Connection(socket).Basic.WskCloseSocket(socket, close));
    }

    [Theory]
    [InlineData(Ws2Def.AF_INET)]
    [InlineData(Ws2Def.AF_INET6)]
    public async Task A_wildcard_bind_behaves_as_bound_before_and_after_connect(ushort family)
    {
        // The provider defers a wildcard:0 bind to the connect; nothing of that may be visible.
        WskSocket socket = _client.CreateSocket(family);
        var dispatch = WskTestClient.Connection(socket);
        var irp = new Irp();
        SockAddr wildcard = family == Ws2Def.AF_INET6 ? SockAddr.Inet6(new byte[16], 0) : SockAddr.Inet([0, 0, 0, 0], 0);
        Assert.Equal(NtStatus.Success, dispatch.WskBind(socket, wildcard, 0, irp));
        Assert.Equal(NtStatus.InvalidDeviceState, dispatch.WskBind(socket, wildcard, 0, irp)); // bound already
        Assert.Equal(NtStatus.Success, dispatch.WskGetLocalAddress(socket, out SockAddr before, irp));
        Assert.NotEqual(0, before.Port); // the bind happened when the address was asked for
        SockAddr server = family == Ws2Def.AF_INET6 ? Server6 : Server;
        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(dispatch.WskConnectEx(socket, server, new WskBuf(new Mdl(new byte[3])), 0, irp), irp));
        Assert.Equal(NtStatus.Success, dispatch.WskGetLocalAddress(socket, out SockAddr after, irp));
        Assert.Equal(before.Port, after.Port);

        WskSocket lazy = _client.CreateSocket(family);
        Assert.Equal(NtStatus.Success, WskTestClient.Connection(lazy).WskBind(lazy, wildcard, 0, irp));
        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(WskTestClient.Connection(lazy).WskConnectEx(lazy, server, null, 0, irp), irp));
        Assert.Equal(NtStatus.Success, WskTestClient.Connection(lazy).WskGetLocalAddress(lazy, out SockAddr bound, irp));
        Assert.NotEqual(0, bound.Port);
        using Socket peer = await (family == Ws2Def.AF_INET6 ? _listener6 : _listener).AcceptSocketAsync(TestContext.Current.CancellationToken);
        Assert.NotNull(peer);
    }

    /// <summary>A port that refuses connections for as long as the returned socket lives: bound, never listening, so no
    /// other test can take the port meanwhile (a port merely closed again could be reused by a parallel test).</summary>
    private static Socket ClosedPort(out ushort port)
    {
        var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        port = (ushort)((IPEndPoint)holder.LocalEndPoint!).Port;
        return holder;
    }

    private static void AssertRefused(NtStatus expected, NtStatus returned, Irp irp, StrongBoxCounter routine)
    {
        Assert.Equal(expected, returned);
        Assert.False(irp.IsPending);
        Assert.Equal(expected, irp.IoStatus.Status);
        Assert.Equal(0u, irp.IoStatus.Information);
        Assert.Equal(1, routine.Count);
        Assert.Equal(expected, routine.StatusSeen);
    }

    internal static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public void Dispose()
    {
        _client.Dispose();
        _listener.Stop();
        _listener.Dispose();
        _listener6.Stop();
        _listener6.Dispose();
    }

    /// <summary>Counts completion routine calls and records the status each saw.</summary>
    private sealed class StrongBoxCounter
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public NtStatus StatusSeen { get; private set; }

        public void Hit(Irp irp)
        {
            StatusSeen = irp.IoStatus.Status;
            Interlocked.Increment(ref _count);
        }
    }
}
