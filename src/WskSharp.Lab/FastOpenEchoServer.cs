using System.Net;
using System.Net.Sockets;

namespace WskSharp.Lab;

/// <summary>
/// A TCP echo server with the kernel's Fast Open server queue on (<c>TCP_FASTOPEN</c>, Linux option 23), so data
/// that rides in a SYN is accepted. It echoes every byte it reads and records what each connection sent, so a test
/// can check that every byte arrived exactly once and in order. Disposing stops it and closes every socket.
/// </summary>
public sealed class FastOpenEchoServer : IAsyncDisposable
{
    private const int LinuxTcpFastOpen = 23;

    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _accepted = [];
    private readonly List<byte[]> _received = [];
    private readonly Task _acceptLoop;
    private TaskCompletionSource _recorded = new(TaskCreationOptions.RunContinuationsAsynchronously); // Set (and replaced) at each record.

    private FastOpenEchoServer(Socket listener)
    {
        _listener = listener;
        EndPoint = (IPEndPoint)listener.LocalEndPoint!;
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>Where the server listens.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The bytes each finished connection sent, in order of arrival of the connections.</summary>
    public IReadOnlyList<byte[]> Received
    {
        get
        {
            lock (_received)
            {
                return [.. _received];
            }
        }
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> holds for <see cref="Received"/>, checked again each time a connection is
    /// recorded (no polling). Cancelling <paramref name="cancellationToken"/> ends the wait with
    /// <see cref="OperationCanceledException"/>.
    /// </summary>
    public async Task WaitForReceivedAsync(Func<IReadOnlyList<byte[]>, bool> condition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(condition);
        while (true)
        {
            Task next;
            lock (_received)
            {
                if (condition(_received))
                {
                    return;
                }

                next = _recorded.Task;
            }

            await next.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Starts a server on <paramref name="address"/> (port 0: any free port), in <paramref name="ns"/> if given.</summary>
    /// <param name="address">Where to listen.</param>
    /// <param name="ns">The namespace to listen in (null: this process's).</param>
    /// <param name="fastOpenQueue">The kernel's Fast Open server queue length.</param>
    /// <param name="backlog">The accept queue length (the kernel caps it at net.core.somaxconn). A connection that finds
    /// the queue full is not lost, but waits for TCP's retransmissions, seconds later.</param>
    public static FastOpenEchoServer Start(IPAddress address, NetworkNamespace? ns = null, int fastOpenQueue = 256, int backlog = 512)
    {
        Socket Create()
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                socket.SetRawSocketOption((int)SocketOptionLevel.Tcp, LinuxTcpFastOpen, BitConverter.GetBytes(fastOpenQueue));
                socket.Bind(new IPEndPoint(address, 0));
                socket.Listen(backlog);
                return socket;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        return new FastOpenEchoServer(ns is null ? Create() : ns.RunInside(Create));
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            lock (_accepted)
            {
                _accepted.Add(client);
            }

            _ = EchoAsync(client);
        }
    }

    private async Task EchoAsync(Socket client)
    {
        var all = new MemoryStream();
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                int n = await client.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                all.Write(buffer, 0, n);
                await client.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer reset or the server is stopping: what arrived is still recorded.
        }
        finally
        {
            TaskCompletionSource recorded;
            lock (_received)
            {
                _received.Add(all.ToArray());
                recorded = _recorded;
                _recorded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            recorded.SetResult();
            client.Dispose();
        }
    }

    /// <summary>Stops accepting, closes every connection and the listener.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        try
        {
            await _acceptLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        lock (_accepted)
        {
            foreach (Socket socket in _accepted)
            {
                socket.Dispose();
            }
        }

        _stop.Dispose();
    }
}
