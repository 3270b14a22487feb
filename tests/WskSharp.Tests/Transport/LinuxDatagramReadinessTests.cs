using System.Threading.Channels;
using WskSharp.Lab;
using WskSharp.Nt;
using WskSharp.Transport;
using WskSharp.Transport.Linux;
using WskSharp.Ws2;

namespace WskSharp.Tests.Transport;

/// <summary>
/// What a Linux datagram socket asks of its event loop: reads and errors always, send space only while a send waits for
/// it (each datagram a UDP socket sends would otherwise report send space, and every report would say "writable"); one
/// datagram per receive syscall; and no receive syscall after a send until the loop has reported the socket readable again.
/// </summary>
public sealed class LinuxDatagramReadinessTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_datagram_socket_is_told_of_arrivals_but_not_of_send_space_while_no_send_waits()
    {
        using LinuxHostStack stack = LinuxHostStack.Create(1, null);
        var reports = new Reports();
        using IHostDatagramSocket socket = Create(stack, reports, out SockAddr self);

        Assert.Equal(NtStatus.Success, socket.SendTo([1, 2, 3], self, default, withPacketInfo: false));
        Report report = await reports.NextAsync();

        Assert.True(report.Readable);
        Assert.False(report.Writable); // With send space asked for at all times, this report (and every other) said writable.
        Assert.Equal(NtStatus.Success, socket.ReceiveFrom(new byte[16], out HostDatagram datagram));
        Assert.Equal(3, datagram.Length);
    }

    [Fact]
    public async Task A_receive_after_a_send_waits_for_the_loop_without_a_syscall_until_the_loop_reports_the_socket()
    {
        using LinuxHostStack stack = LinuxHostStack.Create(1, null);
        var reports = new Reports();
        using IHostDatagramSocket socket = Create(stack, reports, out SockAddr self);
        using IHostDatagramSocket peer = Create(stack, new Reports(), out SockAddr server);
        var linux = Assert.IsType<LinuxHostDatagramSocket>(socket);
        byte[] buffer = new byte[16];

        Assert.Equal(NtStatus.Pending, socket.ReceiveFrom(buffer, out _));
        Assert.Equal(NtStatus.Pending, socket.ReceiveFrom(buffer, out _));
        Assert.Equal(2, linux.ReceiveSyscalls); // No send in between: each tries (a datagram may be in, not yet reported).

        Assert.Equal(NtStatus.Success, socket.SendTo([1], server, default, withPacketInfo: false)); // the request
        Assert.Equal(NtStatus.Pending, socket.ReceiveFrom(buffer, out _));
        Assert.Equal(2, linux.ReceiveSyscalls); // Its answer cannot be in before the loop reports it.

        Assert.Equal(NtStatus.Success, peer.SendTo([7], self, default, withPacketInfo: false)); // the answer
        Assert.True((await reports.NextAsync()).Readable);
        Assert.Equal(NtStatus.Success, socket.ReceiveFrom(buffer, out HostDatagram datagram));
        Assert.Equal(1, datagram.Length);
        Assert.Equal(7, buffer[0]);
        Assert.Equal(server, datagram.Remote);
        Assert.Equal(3, linux.ReceiveSyscalls);
    }

    [Fact]
    public void A_receive_takes_one_datagram_with_one_syscall_and_leaves_the_next_queued_for_the_next_receive()
    {
        using LinuxHostStack stack = LinuxHostStack.Create(1, null);
        using IHostDatagramSocket socket = Create(stack, new Reports(), out SockAddr self);
        var linux = Assert.IsType<LinuxHostDatagramSocket>(socket);

        // On loopback a datagram is in the receiver's queue when its send returns.
        Assert.Equal(NtStatus.Success, socket.SendTo([1, 1, 1, 1], self, default, withPacketInfo: false));
        Assert.Equal(NtStatus.Success, socket.SendTo([2, 2, 2, 2, 2, 2], self, default, withPacketInfo: false));
        byte[] buffer = new byte[16];
        Assert.Equal(NtStatus.Success, socket.ReceiveFrom(buffer, out HostDatagram first));
        Assert.Equal((4, 4), (first.Length, first.Copied));
        Assert.Equal(1, buffer[0]);
        Assert.Equal(1, linux.ReceiveSyscalls);

        byte[] small = new byte[2];
        Assert.Equal(NtStatus.Success, socket.ReceiveFrom(small, out HostDatagram second));
        Assert.Equal((6, 2), (second.Length, second.Copied)); // MSG_TRUNC: the real length, as much as fits
        Assert.Equal(new byte[] { 2, 2 }, small);
        Assert.Equal(self, second.Remote);
        Assert.Equal(2, linux.ReceiveSyscalls); // A receive of two at once took both with the first syscall.
    }

    [Fact]
    public async Task A_send_that_finds_no_room_is_told_when_there_is_room_again()
    {
        if (NetworkNamespace.WhyNot is { } why)
        {
            Assert.Skip($"Needs a network namespace (root) with a slow queue on its loopback: {why}");
        }

        using var ns = NetworkNamespace.Create("wsk-dgready");

        // A token bucket on lo lets a datagram of 1,000 B out every 40 ms; the queued ones keep their send-buffer charge,
        // so a socket with the smallest send buffer soon finds no room.
        NetworkNamespace.Run("ip", "netns", "exec", ns.Name, "tc", "qdisc", "add", "dev", "lo", "root", "tbf", "rate", "200kbit",
            "burst", "1600", "limit", "1000000");
        Assert.Equal(NtStatus.Success, LinuxHostStack.Open(ns.Name, 1, null, out LinuxHostStack? opened));
        using LinuxHostStack stack = opened!;
        var reports = new Reports();
        using IHostDatagramSocket socket = Create(stack, reports, out SockAddr self);
        Assert.Equal(NtStatus.Success, socket.SetOption(HostSocketOption.SendBuffer, 1));
        byte[] payload = new byte[1000];

        NtStatus status;
        int sent = 0;
        while ((status = socket.SendTo(payload, self, default, withPacketInfo: false)) == NtStatus.Success && sent < 1000)
        {
            sent++;
        }

        Assert.Equal(NtStatus.Pending, status);
        while (!(await reports.NextAsync()).Writable)
        {
            // Arrivals of the datagrams that got through come first.
        }

        Assert.Equal(NtStatus.Success, socket.SendTo(payload, self, default, withPacketInfo: false));
    }

    private static IHostDatagramSocket Create(LinuxHostStack stack, Reports reports, out SockAddr self)
    {
        Assert.Equal(NtStatus.Success, stack.CreateDatagramSocket(Ws2Def.AF_INET, reports, out IHostDatagramSocket? socket));
        Assert.Equal(NtStatus.Success, socket!.Bind(SockAddr.Inet([127, 0, 0, 1], 0)));
        Assert.Equal(NtStatus.Success, socket.GetLocalAddress(out self));
        return socket;
    }

    private readonly record struct Report(bool Readable, bool Writable);

    /// <summary>The loop's reports, in order, for the test to await.</summary>
    private sealed class Reports : IHostSocketEvents
    {
        private readonly Channel<Report> _reports = Channel.CreateUnbounded<Report>();

        public void OnReady(bool readable, bool writable, bool hangup) => _reports.Writer.TryWrite(new Report(readable, writable));

        public async Task<Report> NextAsync()
        {
            using var timeout = new CancellationTokenSource(Patience);
            return await _reports.Reader.ReadAsync(timeout.Token);
        }
    }
}
