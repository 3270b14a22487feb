using System.Net;
using System.Net.Sockets;
using WskSharp.FastOpen;
using WskSharp.Lab;
using WskSharp.Lab.Wire;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.WireProof;

/// <summary>What one WskConnectEx did, from the client's side.</summary>
internal sealed record WireConnectResult(
    NtStatus Status,
    nuint Information,
    WskFastOpenReport Report,
    IPEndPoint Local,
    byte[] Echo)
{
    public override string ToString() => $"{Status} ({Information} B) from {Local}: {Report} [flags {Report.Flags}, in SYN {Report.BytesInSyn}, sent {Report.BytesSent}, fail {Report.FailReason}]";
}

/// <summary>The client side of the wire-proof tests: WskConnectEx from a WSK socket bound to a lab address.</summary>
internal static class WireConnection
{
    /// <summary>
    /// A connection socket with <c>TCP_FASTOPEN</c> set (<see cref="WskFastOpen.Enable"/>), bound to
    /// <paramref name="local"/>:0; WskConnectEx with <paramref name="buffer"/> to <paramref name="server"/>; the report;
    /// then the whole echo read back (so the close is an orderly FIN, not a reset that could throw away data the
    /// server has not read yet) and the socket closed.
    /// </summary>
    public static async Task<WireConnectResult> ConnectExAsync(WskTestClient client, IPAddress local, IPEndPoint server, byte[] buffer)
    {
        ushort family = local.AddressFamily == AddressFamily.InterNetworkV6 ? Ws2Def.AF_INET6 : Ws2Def.AF_INET;
        WskSocket socket = client.CreateSocket(family);
        WskProviderConnectionDispatch dispatch = WskTestClient.Connection(socket);
        var irp = new Irp();
        Assert.Equal(NtStatus.Success, WskFastOpen.Enable(socket));
        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(dispatch.WskBind(socket, SockAddr.FromEndPoint(new IPEndPoint(local, 0)), 0, irp), irp));

        NtStatus status = await WskTestClient.Complete(dispatch.WskConnectEx(socket, SockAddr.FromEndPoint(server), new WskBuf(new Mdl(buffer)), 0, irp), irp);
        nuint information = irp.IoStatus.Information;
        Assert.Equal(NtStatus.Success, WskFastOpen.QueryReport(socket, out WskFastOpenReport report));
        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(dispatch.WskGetLocalAddress(socket, out SockAddr localAddress, irp), irp));

        byte[] echo = new byte[buffer.Length];
        if (status.IsSuccess)
        {
            NtStatus returned = dispatch.WskReceive(socket, new WskBuf(new Mdl(echo)), WskConstants.WSK_FLAG_WAITALL, irp);
            Assert.Equal(NtStatus.Success, await WskTestClient.Complete(returned, irp));
            Assert.True((nuint)buffer.Length == irp.IoStatus.Information, $"receive returned {returned}, then {irp.IoStatus.Status} with {irp.IoStatus.Information} B");
        }

        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(dispatch.Basic.WskCloseSocket(socket, irp), irp));
        return new WireConnectResult(status, information, report, localAddress.ToEndPoint(), echo);
    }

    /// <summary>Deterministic test bytes.</summary>
    public static byte[] Bytes(int length, int seed)
    {
        byte[] bytes = new byte[length];
#pragma warning disable CA5394 // Test data, not security.
        new Random(seed).NextBytes(bytes);
#pragma warning restore CA5394
        return bytes;
    }

    /// <summary>Waits (a hang guard, not a timing assertion) until the server has recorded <paramref name="count"/> finished connections.</summary>
    public static async Task<byte[]> ReceivedAsync(FastOpenEchoServer server, int count)
    {
        for (int i = 0; i < 400 && server.Received.Count < count; i++)
        {
            await Task.Delay(25, TestContext.Current.CancellationToken);
        }

        Assert.True(server.Received.Count >= count, $"the server recorded {server.Received.Count} connections, expected {count}");
        return server.Received[count - 1];
    }

    /// <summary>
    /// Checks the client's data segments after the handshake: the first starts at stream offset <paramref name="from"/>
    /// (what the SYN did not deliver), each holds exactly the buffer's bytes at its offset, none lies before
    /// <paramref name="from"/> or past the end, and together they cover [from, end) with nothing missing. Returns how
    /// many bytes went out more than once (TCP may retransmit; the server's record is what proves exactly-once delivery).
    /// </summary>
    public static int AssertCoversFrom(ConnectionTrace trace, byte[] buffer, int from)
    {
        IReadOnlyList<TcpSegment> data = trace.ClientDataAfterHandshake;
        IReadOnlyList<(long Offset, int Length)> offsets = trace.ClientDataOffsets;
        Assert.True(data.Count > 0, $"no client data after the handshake:{Environment.NewLine}{trace}");
        Assert.True(offsets[0].Offset == from, $"the first data segment after the handshake starts at stream offset {offsets[0].Offset}, expected {from}:{Environment.NewLine}{trace}");
        bool[] seen = new bool[buffer.Length];
        int duplicates = 0;
        for (int i = 0; i < data.Count; i++)
        {
            (long offset, int length) = offsets[i];
            Assert.True(offset >= from && offset + length <= buffer.Length, $"segment {data[i]} lies outside [{from}, {buffer.Length}) of the stream:{Environment.NewLine}{trace}");
            Assert.True(buffer.AsSpan((int)offset, length).SequenceEqual(data[i].Payload), $"segment {data[i]} does not hold the buffer's bytes at offset {offset}");
            for (long j = offset; j < offset + length; j++)
            {
                duplicates += seen[j] ? 1 : 0;
                seen[j] = true;
            }
        }

        int missing = Array.FindIndex(seen, from, b => !b);
        Assert.True(missing < 0, $"stream byte {missing} was never sent after the handshake:{Environment.NewLine}{trace}");
        return duplicates;
    }
}
