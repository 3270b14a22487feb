using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace WskSharp.Bench;

/// <summary>
/// The .NET peer of the UDP phase (<c>dotnet-udp</c>): per socket, <c>SendToAsync</c> and <c>ReceiveFromAsync</c> with
/// the <see cref="SocketAddress"/> overloads (.NET 8+), which reuse the socket's cached awaitable event args and the
/// caller's address objects: .NET's allocation-free datagram shape. Each socket is bound to 0.0.0.0:0 once.
/// </summary>
internal sealed class DotNetUdpPeer : IUdpPeer
{
    private readonly Loop[] _loops;

    public DotNetUdpPeer(IPEndPoint server, int sockets, byte[] request)
    {
        _loops = new Loop[sockets];
        for (int i = 0; i < sockets; i++)
        {
            _loops[i] = new Loop(server, request);
        }
    }

    public int Alive => _loops.Count(l => !l.Dead);

    public void Start(UdpBatch batch)
    {
        foreach (Loop l in _loops)
        {
            if (!l.Dead)
            {
                _ = l.RunAsync(batch);
            }
        }
    }

    public void Expire(long nowTicks, long limitTicks)
    {
        foreach (Loop l in _loops)
        {
            long sent = l.SentAt;
            if (sent != 0 && nowTicks - sent > limitTicks)
            {
                l.Kill();
            }
        }
    }

    public void Abort()
    {
        foreach (Loop l in _loops)
        {
            l.Kill();
        }
    }

    public void Dispose()
    {
        foreach (Loop l in _loops)
        {
            l.Kill();
        }
    }

    private sealed class Loop
    {
        private readonly Socket _socket;
        private readonly SocketAddress _to;
        private readonly SocketAddress _from;
        private readonly ReadOnlyMemory<byte> _request;
        private readonly Memory<byte> _reply = new byte[65536];
        private long _sentAt;
        private volatile bool _killed;

        public Loop(IPEndPoint server, byte[] request)
        {
            _socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            _socket.Bind(new IPEndPoint(server.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0));
            _to = server.Serialize();
            _from = new SocketAddress(server.AddressFamily);
            _request = request;
        }

        public bool Dead => _killed;

        public long SentAt => Volatile.Read(ref _sentAt);

        /// <summary>Closes the socket: a pending receive ends with an exception and the loop with a "timeout".</summary>
        public void Kill()
        {
            _killed = true;
            _socket.Dispose();
        }

        public async Task RunAsync(UdpBatch batch)
        {
            try
            {
                while (!_killed && batch.TryTake())
                {
                    Volatile.Write(ref _sentAt, Stopwatch.GetTimestamp());
                    int sent = await _socket.SendToAsync(_request, SocketFlags.None, _to);
                    int n = await _socket.ReceiveFromAsync(_reply, SocketFlags.None, _from);
                    Volatile.Write(ref _sentAt, 0);
                    if (sent == _request.Length && n == _request.Length)
                    {
                        batch.Ok();
                    }
                    else
                    {
                        batch.Fail(sent != _request.Length ? "sendto: short" : "short reply");
                    }
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                bool expired = _killed; // closed by the watchdog (or the deadline), not failed by itself
                Volatile.Write(ref _sentAt, 0);
                _killed = true;
                batch.Fail(expired ? "timeout" : ex is SocketException se ? $"socket: {se.SocketErrorCode}" : ex.Message);
            }
            finally
            {
                batch.LoopDone();
            }
        }
    }
}
