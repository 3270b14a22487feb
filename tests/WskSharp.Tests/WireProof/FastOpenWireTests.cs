using System.Net;
using WskSharp.FastOpen;
using WskSharp.Lab;
using WskSharp.Lab.Wire;
using WskSharp.Nt;
using WskSharp.Wsk;

namespace WskSharp.Tests.WireProof;

/// <summary>
/// Wire proof of Fast Open through WskConnectEx: two connections from the lab's client namespace to a Fast Open echo
/// server in its server namespace, across the delay line (~20 ms RTT), captured with tcpdump on the client's TUN device
/// and read back with a pcap parser. The first SYN asks for a cookie and carries nothing; the second carries the cookie
/// the server gave and the head of the WskConnectEx buffer, byte for byte, and the server's SYN-ACK acknowledges it;
/// the rest follows the handshake; the server gets every byte once; the Fast Open report agrees with the wire.
/// </summary>
public sealed class FastOpenWireTests(LabFixture fixture) : IClassFixture<LabFixture>
{
    /// <summary>More than one MSS, so only the head rides in the SYN.</summary>
    private const int BufferLength = 4000;

    [Fact]
    public Task IPv4_first_SYN_asks_for_a_cookie_second_SYN_carries_the_cookie_and_the_buffer_head()
    {
        LabNetwork lab = fixture.Require();
        return FirstAndSecondConnectionAsync(lab, lab.ClientAddress, lab.ServerAddress, "v4", seed: 10);
    }

    [Fact]
    public Task IPv6_first_SYN_asks_for_a_cookie_second_SYN_carries_the_cookie_and_the_buffer_head()
    {
        LabNetwork lab = fixture.Require();
        return FirstAndSecondConnectionAsync(lab, lab.ClientAddress6!, lab.ServerAddress6!, "v6", seed: 20);
    }

    private async Task FirstAndSecondConnectionAsync(LabNetwork lab, IPAddress clientAddress, IPAddress serverAddress, string label, int seed)
    {
        await using FastOpenEchoServer server = FastOpenEchoServer.Start(serverAddress, lab.Server);
        lab.Client.ForgetFastOpenCookies();
        string pcap = fixture.NewPcapPath($"{label}-client");
        await using PcapCapture capture = await PcapCapture.StartAsync(lab.Client, lab.ClientDevice, pcap, $"tcp port {server.EndPoint.Port}", cancellationToken: TestContext.Current.CancellationToken);
        using var client = new WskTestClient(lab.Client.Name);
        byte[] firstBuffer = WireConnection.Bytes(BufferLength, seed);
        byte[] secondBuffer = WireConnection.Bytes(BufferLength, seed + 1);

        WireConnectResult first = await WireConnection.ConnectExAsync(client, clientAddress, server.EndPoint, firstBuffer);
        byte[] firstReceived = await WireConnection.ReceivedAsync(server, 1);
        WireConnectResult second = await WireConnection.ConnectExAsync(client, clientAddress, server.EndPoint, secondBuffer);
        byte[] secondReceived = await WireConnection.ReceivedAsync(server, 2);
        await capture.StopAsync();

        PcapTrace trace = PcapTrace.Read(pcap);
        TestContext.Current.TestOutputHelper?.WriteLine($"first: {first}{Environment.NewLine}second: {second}{Environment.NewLine}{trace.Dump()}{Environment.NewLine}{capture.Diagnostics}");
        Assert.True(capture.DroppedByKernel is null or 0, $"tcpdump lost packets: {capture.Diagnostics}");

        // What the client and the server saw.
        Assert.Equal(NtStatus.Success, first.Status);
        Assert.Equal(NtStatus.Success, second.Status);
        Assert.Equal((nuint)BufferLength, first.Information);
        Assert.Equal((nuint)BufferLength, second.Information);
        Assert.Equal(firstBuffer, first.Echo);
        Assert.Equal(secondBuffer, second.Echo);
        Assert.Equal(firstBuffer, firstReceived);
        Assert.Equal(secondBuffer, secondReceived);

        // Connection 1 on the wire: one SYN, with a cookie request and no data; the SYN-ACK brings a cookie; the
        // whole buffer follows the handshake.
        ConnectionTrace one = trace.Connection(first.Local, server.EndPoint);
        Assert.True(one.Syns.Count == 1, $"connection 1 sent {one.Syns.Count} SYNs:{Environment.NewLine}{one}");
        TcpSegment syn1 = one.Syns[0];
        Assert.True(syn1.FastOpen is { IsCookieRequest: true }, $"connection 1's SYN has no cookie request: {syn1}");
        Assert.Empty(syn1.Payload);
        Assert.True(one.SynAcks.Count == 1, $"connection 1 got {one.SynAcks.Count} SYN-ACKs:{Environment.NewLine}{one}");
        TcpFastOpenOption? given = one.SynAcks[0].FastOpen;
        Assert.True(given is { HasCookie: true }, $"the server's SYN-ACK carries no cookie: {one.SynAcks[0]}");
        Assert.Equal(unchecked(syn1.Sequence + 1), one.SynAcks[0].AcknowledgmentNumber);
        WireConnection.AssertCoversFrom(one, firstBuffer, 0);

        // Connection 2 on the wire: one SYN, carrying the cookie the server gave and the buffer's first N bytes,
        // exactly; the SYN-ACK acknowledges all N; the rest follows from offset N.
        ConnectionTrace two = trace.Connection(second.Local, server.EndPoint);
        Assert.True(two.Syns.Count == 1, $"connection 2 sent {two.Syns.Count} SYNs:{Environment.NewLine}{two}");
        TcpSegment syn2 = two.Syns[0];
        Assert.True(syn2.FastOpen is { HasCookie: true }, $"connection 2's SYN carries no cookie: {syn2}");
        Assert.Equal(given!.Cookie, syn2.FastOpen!.Cookie);
        int n = syn2.Payload.Length;
        Assert.InRange(n, 1, BufferLength - 1);
        Assert.Equal(secondBuffer.AsSpan(0, n).ToArray(), syn2.Payload);
        Assert.True(two.SynAcks.Count == 1, $"connection 2 got {two.SynAcks.Count} SYN-ACKs:{Environment.NewLine}{two}");
        Assert.Equal(unchecked(syn2.Sequence + 1 + (uint)n), two.SynAcks[0].AcknowledgmentNumber);
        WireConnection.AssertCoversFrom(two, secondBuffer, n);

        // The report agrees with the wire.
        Assert.True((first.Report.Flags & WskFastOpenFlags.Requested) != 0, first.ToString());
        Assert.True((first.Report.Flags & WskFastOpenFlags.CookieRequested) != 0, first.ToString());
        Assert.False(first.Report.SynDataSent, first.ToString());
        Assert.False(first.Report.SynDataAcknowledged, first.ToString());
        Assert.Equal(0u, first.Report.BytesInSyn);
        Assert.Equal((uint)BufferLength, first.Report.BytesSent);
        Assert.Equal(WskFastOpenFailReason.NoCookie, first.Report.FailReason);

        Assert.True(second.Report.SynDataSent, second.ToString());
        Assert.True(second.Report.SynDataAcknowledged, second.ToString());
        Assert.Equal((uint)n, second.Report.BytesInSyn);
        Assert.Equal((uint)BufferLength, second.Report.BytesSent);
        Assert.Equal(WskFastOpenFailReason.None, second.Report.FailReason);
    }
}
