using System.Net;
using WskSharp.FastOpen;
using WskSharp.Lab;
using WskSharp.Lab.Wire;
using WskSharp.Nt;
using WskSharp.Wsk;

namespace WskSharp.Tests.WireProof;

/// <summary>
/// Wire proof of the Fast Open fallback when a middlebox drops SYNs that carry data: the lab's delay line drops every
/// SYN with data to 198.18.0.2 (a SYN without data passes). The first connection to .2 still gets a cookie; the next
/// WskConnectEx with Fast Open sends its SYN with data, which never arrives; the kernel sends the SYN again without
/// data, and the whole buffer after the handshake. Captured on both TUN devices: the client's shows the dropped SYN and
/// the plain one after it, the server's shows no SYN with data at all. 198.18.0.3, in the same lab, is not blackholed.
/// </summary>
public sealed class BlackholeWireTests(BlackholeLabFixture fixture) : IClassFixture<BlackholeLabFixture>
{
    private const int BufferLength = 4000;

    /// <summary>Two Fast Open WskConnectEx connections (fresh cookies: the first asks for one) to <paramref name="server"/>,
    /// each echoed, captured on both TUN devices (tcpdump must lose nothing); what they returned, what the server received, and both traces.</summary>
    private async Task<(WireConnectResult First, WireConnectResult Second, byte[] FirstBuffer, byte[] SecondBuffer, byte[] FirstReceived,
        byte[] SecondReceived, PcapTrace ClientTrace, PcapTrace ServerTrace)> TwoConnectionsAsync(
        LabNetwork lab, FastOpenEchoServer server, string label, int seed)
    {
        lab.Client.ForgetFastOpenCookies();
        string clientPcap = fixture.NewPcapPath($"{label}-client");
        string serverPcap = fixture.NewPcapPath($"{label}-server");
        string filter = $"tcp port {server.EndPoint.Port}";
        await using PcapCapture clientCapture = await PcapCapture.StartAsync(lab.Client, lab.ClientDevice, clientPcap, filter, cancellationToken: TestContext.Current.CancellationToken);
        await using PcapCapture serverCapture = await PcapCapture.StartAsync(lab.Server, lab.ServerDevice, serverPcap, filter, cancellationToken: TestContext.Current.CancellationToken);
        using var client = new WskTestClient(lab.Client.Name);
        byte[] firstBuffer = WireConnection.Bytes(BufferLength, seed);
        byte[] secondBuffer = WireConnection.Bytes(BufferLength, seed + 1);

        WireConnectResult first = await WireConnection.ConnectExAsync(client, lab.ClientAddress, server.EndPoint, firstBuffer);
        byte[] firstReceived = await WireConnection.ReceivedAsync(server, 1);
        WireConnectResult second = await WireConnection.ConnectExAsync(client, lab.ClientAddress, server.EndPoint, secondBuffer);
        byte[] secondReceived = await WireConnection.ReceivedAsync(server, 2);
        await clientCapture.StopAsync();
        await serverCapture.StopAsync();

        PcapTrace clientTrace = PcapTrace.Read(clientPcap);
        PcapTrace serverTrace = PcapTrace.Read(serverPcap);
        TestContext.Current.TestOutputHelper?.WriteLine($"first: {first}{Environment.NewLine}second: {second}{Environment.NewLine}{clientTrace.Dump()}{Environment.NewLine}{serverTrace.Dump()}");
        Assert.True(clientCapture.DroppedByKernel is null or 0, $"tcpdump lost packets: {clientCapture.Diagnostics}");
        Assert.True(serverCapture.DroppedByKernel is null or 0, $"tcpdump lost packets: {serverCapture.Diagnostics}");

        return (first, second, firstBuffer, secondBuffer, firstReceived, secondReceived, clientTrace, serverTrace);
    }

    [Fact]
    public async Task A_blackholed_SYN_with_data_falls_back_to_a_plain_SYN_and_every_byte_arrives_once()
    {
        LabNetwork lab = fixture.Require();
        Assert.Equal(BlackholeLabFixture.Blackholed, lab.ServerAddress);
        await using FastOpenEchoServer server = FastOpenEchoServer.Start(lab.ServerAddress, lab.Server);
        var (first, second, firstBuffer, secondBuffer, firstReceived, secondReceived, clientTrace, serverTrace) =
            await TwoConnectionsAsync(lab, server, "blackhole", seed: 30);

        // The first connection: a SYN without data passes the blackhole, and the server gives a cookie.
        Assert.Equal(NtStatus.Success, first.Status);
        Assert.Equal(firstBuffer, first.Echo);
        Assert.Equal(firstBuffer, firstReceived);
        Assert.True((first.Report.Flags & WskFastOpenFlags.CookieRequested) != 0, first.ToString());
        Assert.False(first.Report.SynDataSent, first.ToString());
        ConnectionTrace one = clientTrace.Connection(first.Local, server.EndPoint);
        Assert.True(one.Syns is [{ FastOpen.IsCookieRequest: true, Payload: [] }], $"connection 1 should send one SYN with a cookie request:{Environment.NewLine}{one}");
        Assert.True(one.SynAcks is [{ FastOpen.HasCookie: true }], $"connection 1 should get one SYN-ACK with a cookie:{Environment.NewLine}{one}");

        // The second connection completes, and the server got every byte exactly once and in order.
        Assert.Equal(NtStatus.Success, second.Status);
        Assert.Equal((nuint)BufferLength, second.Information);
        Assert.Equal(secondBuffer, second.Echo);
        Assert.Equal(secondBuffer, secondReceived);

        // Client side of the wire: the SYN with the cookie and the buffer's first N bytes (dropped on the way), then
        // the same SYN again (same sequence number) with no data, then the whole buffer after the handshake.
        ConnectionTrace two = clientTrace.Connection(second.Local, server.EndPoint);
        Assert.True(two.Syns.Count >= 2, $"connection 2 should send its SYN twice:{Environment.NewLine}{two}");
        TcpSegment synWithData = two.Syns[0];
        Assert.True(synWithData.FastOpen is { HasCookie: true }, $"connection 2's first SYN carries no cookie: {synWithData}");
        Assert.Equal(one.SynAcks[0].FastOpen!.Cookie, synWithData.FastOpen!.Cookie);
        int n = synWithData.Payload.Length;
        Assert.InRange(n, 1, BufferLength - 1);
        Assert.Equal(secondBuffer.AsSpan(0, n).ToArray(), synWithData.Payload);
        foreach (TcpSegment again in two.Syns.Skip(1))
        {
            Assert.True(again.Payload.Length == 0, $"a SYN sent again carries data: {again}");
            Assert.True(again.FastOpen is null, $"a SYN sent again still carries a Fast Open option: {again}");
            Assert.Equal(synWithData.Sequence, again.Sequence);
        }

        Assert.True(two.SynAcks.Count >= 1, $"connection 2 got no SYN-ACK:{Environment.NewLine}{two}");
        Assert.Equal(unchecked(synWithData.Sequence + 1), two.SynAcks[0].AcknowledgmentNumber);
        WireConnection.AssertCoversFrom(two, secondBuffer, 0);

        // Server side of the wire: no SYN with data ever arrived; the plain SYN did, and all the data after it.
        Assert.DoesNotContain(serverTrace.Segments, s => s.IsSyn && s.Payload.Length > 0);
        ConnectionTrace atServer = serverTrace.Connection(second.Local, server.EndPoint);
        Assert.True(atServer.Syns.Count >= 1 && atServer.Syns.All(s => s.Payload.Length == 0 && s.FastOpen is null), $"the server should see only plain SYNs:{Environment.NewLine}{atServer}");
        WireConnection.AssertCoversFrom(atServer, secondBuffer, 0);

        // The delay line's own account.
        string log = await File.ReadAllTextAsync(lab.LogPath, TestContext.Current.CancellationToken);
        Assert.Contains($"dropped SYN-data {second.Local} -> {lab.ServerAddress}:{server.EndPoint.Port} payload={n} ", log, StringComparison.Ordinal);

        // The report agrees: SYN data sent, N bytes, not acknowledged, because the SYN had to be sent again.
        Assert.True(second.Report.SynDataSent, second.ToString());
        Assert.False(second.Report.SynDataAcknowledged, second.ToString());
        Assert.Equal((uint)n, second.Report.BytesInSyn);
        Assert.Equal((uint)BufferLength, second.Report.BytesSent);
        Assert.Equal(WskFastOpenFailReason.SynRetransmitted, second.Report.FailReason);
    }

    [Fact]
    public async Task The_other_server_address_in_the_same_lab_still_gets_acknowledged_SYN_data()
    {
        LabNetwork lab = fixture.Require();
        IPAddress open = lab.ServerAddress2;
        Assert.NotEqual(BlackholeLabFixture.Blackholed, open);
        await using FastOpenEchoServer server = FastOpenEchoServer.Start(open, lab.Server);
        var (first, second, firstBuffer, secondBuffer, firstReceived, secondReceived, clientTrace, serverTrace) =
            await TwoConnectionsAsync(lab, server, "open", seed: 40);

        Assert.Equal(NtStatus.Success, first.Status);
        Assert.Equal(NtStatus.Success, second.Status);
        Assert.Equal(firstBuffer, firstReceived);
        Assert.Equal(secondBuffer, secondReceived);
        Assert.Equal(secondBuffer, second.Echo);
        Assert.True((first.Report.Flags & WskFastOpenFlags.CookieRequested) != 0, first.ToString());

        ConnectionTrace two = clientTrace.Connection(second.Local, server.EndPoint);
        Assert.True(two.Syns.Count == 1, $"connection 2 sent {two.Syns.Count} SYNs:{Environment.NewLine}{two}");
        TcpSegment syn = two.Syns[0];
        int n = syn.Payload.Length;
        Assert.True(syn.FastOpen is { HasCookie: true } && n > 0, $"connection 2's SYN should carry a cookie and data: {syn}");
        Assert.Equal(secondBuffer.AsSpan(0, n).ToArray(), syn.Payload);

        // The server's side saw that very SYN, data and all, and acknowledged the data in its SYN-ACK.
        ConnectionTrace atServer = serverTrace.Connection(second.Local, server.EndPoint);
        Assert.True(atServer.Syns is [{ } arrived] && arrived.Payload.AsSpan().SequenceEqual(syn.Payload), $"the server should see the SYN with its {n} bytes:{Environment.NewLine}{atServer}");
        Assert.True(atServer.SynAcks is [{ } synAck] && synAck.AcknowledgmentNumber == unchecked(syn.Sequence + 1 + (uint)n), $"the SYN-ACK should acknowledge the SYN's {n} bytes:{Environment.NewLine}{atServer}");
        WireConnection.AssertCoversFrom(two, secondBuffer, n);

        Assert.True(second.Report.SynDataSent, second.ToString());
        Assert.True(second.Report.SynDataAcknowledged, second.ToString());
        Assert.Equal((uint)n, second.Report.BytesInSyn);
        Assert.Equal(WskFastOpenFailReason.None, second.Report.FailReason);
    }
}
