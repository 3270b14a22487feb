using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace WskSharp.Tests;

/// <summary>
/// A loopback listener (backlog 0) whose accept queue is full, so the kernel drops a further SYN and a connect to it stays
/// pending. Filled by non-blocking connects; ready once the kernel itself says the queue is full (TCP_INFO on a listening
/// socket reports the queue's length in <c>tcpi_unacked</c> and its limit in <c>tcpi_sacked</c>), not after a guessed sleep.
/// Disposing closes the listener and the fillers.
/// </summary>
internal sealed class FullAcceptQueue : IDisposable
{
    private const int TcpInfo = 11; // TCP_INFO, at level IPPROTO_TCP
    private readonly List<Socket> _fillers = [];

    private FullAcceptQueue(Socket listener) => Listener = listener;

    public Socket Listener { get; }

    public IPEndPoint EndPoint => (IPEndPoint)Listener.LocalEndPoint!;

    public static async Task<FullAcceptQueue> OpenAsync()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var full = new FullAcceptQueue(listener);
        try
        {
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(0);
            for (int i = 0; i < 3; i++)
            {
                var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { Blocking = false };
                full._fillers.Add(filler);
                try
                {
                    filler.Connect(listener.LocalEndPoint!);
                }
                catch (SocketException ex) when (ex.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
                {
                }
            }

            // The handshakes finish in the kernel's softirq, after the connects return: wait for the queue's own state. The
            // delay only paces the polling; the loop ends on the condition (or fails at the hang guard).
            var guard = System.Diagnostics.Stopwatch.StartNew();
            while (!full.IsFull())
            {
                Assert.True(guard.Elapsed < LoopbackConnection.HangGuard, "the listener's accept queue never filled");
                await Task.Delay(1, TestContext.Current.CancellationToken);
            }

            return full;
        }
        catch
        {
            full.Dispose();
            throw;
        }
    }

    /// <summary>The kernel's rule (sk_acceptq_is_full): more connections queued than the backlog allows.</summary>
    private bool IsFull()
    {
        Span<byte> info = stackalloc byte[104];
        int length = Listener.GetRawSocketOption((int)SocketOptionLevel.Tcp, TcpInfo, info);
        Assert.True(length >= 32, $"TCP_INFO returned {length} bytes");
        uint queued = BinaryPrimitives.ReadUInt32LittleEndian(info[24..]); // tcpi_unacked: children ready for accept()
        uint limit = BinaryPrimitives.ReadUInt32LittleEndian(info[28..]); // tcpi_sacked: the backlog
        return queued > limit;
    }

    public void Dispose()
    {
        _fillers.ForEach(f => f.Dispose());
        Listener.Dispose();
    }
}
