using System.Diagnostics;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Bench;

/// <summary>
/// <c>WskSharp.Bench mdlchain [--count N] [--rounds R]</c>: a WAITALL WskReceive, then a WskSend, each over N one-byte MDLs
/// (65,536 by default, the longest chain WskSharp takes), between two WSK sockets on loopback; prints when each completed
/// (from the send's start), per round, and the median. A chain walked once per request costs time in proportion to N; a walk from the head per
/// segment (issue 13: over 3 s for 65,536) grows with N².
/// </summary>
internal static class MdlChainBench
{
    public static int Run(Options o)
    {
        int count = int.Parse(o.Get("count") ?? "65536", System.Globalization.CultureInfo.InvariantCulture);
        int rounds = int.Parse(o.Get("rounds") ?? "5", System.Globalization.CultureInfo.InvariantCulture);
        using var session = new WskSession();
        var (sender, receiver) = ConnectPair(session);
        byte[] sent = new byte[count], received = new byte[count];
        new Random(1).NextBytes(sent);
        Mdl sendChain = OneByteChain(sent), receiveChain = OneByteChain(received);
        var sends = new List<double>();
        var receives = new List<double>();
        for (int round = 0; round < rounds; round++)
        {
            Array.Clear(received);
            var send = new Irp();
            var receive = new Irp();
            // The receive is posted first: a send of many small segments may fill the socket buffers before it completes.
            NtStatus r = ((WskProviderConnectionDispatch)receiver.Dispatch).WskReceive(receiver, new WskBuf(receiveChain, 0, (nuint)count), WskConstants.WSK_FLAG_WAITALL, receive);
            long t0 = Stopwatch.GetTimestamp();
            NtStatus s = ((WskProviderConnectionDispatch)sender.Dispatch).WskSend(sender, new WskBuf(sendChain, 0, (nuint)count), 0, send);
            Wait(s, send);
            long t1 = Stopwatch.GetTimestamp();
            Wait(r, receive);
            long t2 = Stopwatch.GetTimestamp();
            if (!sent.AsSpan().SequenceEqual(received))
            {
                throw new InvalidOperationException("The bytes received differ from those sent.");
            }

            sends.Add(Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds);
            receives.Add(Stopwatch.GetElapsedTime(t0, t2).TotalMilliseconds);
            Console.WriteLine($"round {round + 1}: send done in {sends[^1]:F1} ms, receive done in {receives[^1]:F1} ms, over {count} one-byte MDLs each");
        }

        Console.WriteLine($"median: send done in {Median(sends):F1} ms, receive done in {Median(receives):F1} ms (both from the send's start), over {count} one-byte MDLs each");
        Close(sender);
        Close(receiver);
        return 0;
    }

    private static (WskSocket Sender, WskSocket Receiver) ConnectPair(WskSession session)
    {
        SockAddr loopback = SockAddr.Inet([127, 0, 0, 1], 0);
        WskSocket listener = Create(session, WskConstants.WSK_FLAG_LISTEN_SOCKET);
        var listen = (WskProviderListenDispatch)listener.Dispatch;
        Check(listen.WskBind(listener, loopback, 0, new Irp()), "WskBind (listener)");
        Check(listen.WskGetLocalAddress(listener, out SockAddr address, new Irp()), "WskGetLocalAddress");
        var accept = new Irp();
        NtStatus accepting = listen.WskAccept(listener, 0, null, null, null, null, accept);
        WskSocket sender = Create(session, WskConstants.WSK_FLAG_CONNECTION_SOCKET);
        var conn = (WskProviderConnectionDispatch)sender.Dispatch;
        Check(conn.WskBind(sender, loopback, 0, new Irp()), "WskBind");
        var connect = new Irp();
        Wait(conn.WskConnect(sender, address, 0, connect), connect);
        Wait(accepting, accept);
        Close(listener);
        return (sender, (WskSocket)accept.IoStatus.Pointer!);
    }

    private static WskSocket Create(WskSession session, uint category)
    {
        var irp = new Irp();
        Check(session.Npi.Dispatch.WskSocket(session.Npi.Client, Ws2Def.AF_INET, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP, category,
            null, null, null, null, null, irp), "WskSocket");
        return (WskSocket)irp.IoStatus.Pointer!;
    }

    private static void Close(WskSocket socket) => ((WskProviderBasicDispatch)socket.Dispatch).WskCloseSocket(socket, new Irp());

    private static void Wait(NtStatus returned, Irp irp)
    {
        NtStatus status = returned == NtStatus.Pending ? irp.AsValueTask().AsTask().GetAwaiter().GetResult() : returned;
        Check(status, "request");
    }

    private static void Check(NtStatus status, string what)
    {
        if (status != NtStatus.Success)
        {
            throw new InvalidOperationException($"{what}: {status}");
        }
    }

    private static Mdl OneByteChain(byte[] bytes)
    {
        var head = new Mdl(bytes, 0, 1);
        Mdl tail = head;
        for (int i = 1; i < bytes.Length; i++)
        {
            tail = tail.Next = new Mdl(bytes, i, 1);
        }

        return head;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
