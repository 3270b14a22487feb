using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Bench;

/// <summary>
/// The WskSharp peer of the UDP phase (<c>wsk-udp</c>), written as a WSK driver writes it: per socket
/// <c>WskSocket(WSK_FLAG_DATAGRAM_SOCKET)</c> and <c>WskBind(0.0.0.0:0)</c> once, then <c>WskSendTo</c> of the request
/// and <c>WskReceiveFrom</c> of the echo on one reused IRP, each issued from the IRP's completion routine (routines run
/// on the provider's event loop in the default mode: no thread hand-off per datagram). Nothing is allocated per
/// datagram: the buffers, the remote address and the address box the receive fills are the socket's own.
/// </summary>
internal sealed class WskUdpPeer : IUdpPeer
{
    private readonly WskSession _session = new();
    private readonly Slot[] _slots;

    public WskUdpPeer(IPEndPoint server, int sockets, byte[] request)
    {
        var remote = SockAddr.FromEndPoint(server);
        var local = SockAddr.FromEndPoint(new IPEndPoint(server.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0));
        _slots = new Slot[sockets];
        for (int i = 0; i < sockets; i++)
        {
            _slots[i] = new Slot(_session.Npi, local, remote, request);
        }
    }

    public int Alive => _slots.Count(s => !s.Dead);

    public void Start(UdpBatch batch)
    {
        foreach (Slot s in _slots)
        {
            if (!s.Dead)
            {
                s.Start(batch);
            }
        }
    }

    public void Expire(long nowTicks, long limitTicks)
    {
        foreach (Slot s in _slots)
        {
            long sent = s.SentAt;
            if (sent != 0 && nowTicks - sent > limitTicks)
            {
                s.Kill();
            }
        }
    }

    public void Abort()
    {
        foreach (Slot s in _slots)
        {
            s.Kill();
        }
    }

    public void Dispose()
    {
        foreach (Slot s in _slots)
        {
            s.Close();
        }

        _session.Dispose();
    }

    /// <summary>
    /// One socket, one request in flight. A call may complete before it returns (its routine then runs inline): the
    /// gate makes whichever of the issuer and the routine comes second carry on, so inline completions loop instead of
    /// recursing (as P4's slots do).
    /// </summary>
    private sealed class Slot
    {
        private readonly Irp _irp = new();
        private readonly WskSocket _socket;
        private readonly WskProviderDatagramDispatch _dispatch;
        private readonly SockAddr _remote;
        private readonly WskBuf _request;
        private readonly WskBuf _reply;
        private readonly StrongBox<SockAddr> _from = new();
        private readonly int _length;
        private UdpBatch? _batch;
        private bool _receiving;
        private int _gate;
        private long _sentAt;
        private volatile bool _killed;

        public Slot(WskProviderNpi npi, SockAddr local, SockAddr remote, byte[] request)
        {
            _remote = remote;
            _length = request.Length;
            _request = new WskBuf(new Mdl(request));
            _reply = new WskBuf(new Mdl(new byte[65536]));
            NtStatus s = Wait(_irp, npi.Dispatch.WskSocket(npi.Client, remote.Family, Ws2Def.SOCK_DGRAM, Ws2Def.IPPROTO_UDP,
                WskConstants.WSK_FLAG_DATAGRAM_SOCKET, null, null, null, null, null, _irp));
            if (!s.IsSuccess)
            {
                throw new InvalidOperationException($"WskSocket(WSK_FLAG_DATAGRAM_SOCKET): {s}");
            }

            _socket = (WskSocket)_irp.IoStatus.Pointer!;
            _dispatch = (WskProviderDatagramDispatch)_socket.Dispatch;
            s = Wait(_irp, _dispatch.WskBind(_socket, local, 0, _irp));
            if (!s.IsSuccess)
            {
                Close();
                throw new InvalidOperationException($"WskBind: {s}");
            }

            _irp.SetCompletionRoutine(static (irp, context) => ((Slot)context!).OnCompleted(), this);
        }

        public bool Dead { get; private set; }

        public long SentAt => Volatile.Read(ref _sentAt);

        public void Start(UdpBatch batch)
        {
            _batch = batch;
            if (Next())
            {
                Drive();
            }
        }

        /// <summary>Cancels the request in flight: its routine ends the loop with a "timeout" and the socket is not used again.</summary>
        public void Kill()
        {
            _killed = true;
            _irp.Cancel();
        }

        public void Close()
        {
            _irp.SetCompletionRoutine(null, null);
            _ = Wait(_irp, _dispatch.Basic.WskCloseSocket(_socket, _irp));
        }

        private static NtStatus Wait(Irp irp, NtStatus s) => s == NtStatus.Pending ? irp.AsValueTask().AsTask().GetAwaiter().GetResult() : s;

        private NtStatus OnCompleted()
        {
            if (Interlocked.Exchange(ref _gate, 1) == 1)
            {
                Drive(); // the issuer has returned: carry on here, on the event loop
            }

            return NtStatus.MoreProcessingRequired;
        }

        private void Drive()
        {
            while (Advance())
            {
            }
        }

        /// <summary>Issues a call with the gate armed; true if its routine already ran (the caller carries on).</summary>
        private bool Issued(Func<Slot, Irp, NtStatus> call)
        {
            Volatile.Write(ref _gate, 0);
            _ = call(this, _irp);
            return Interlocked.Exchange(ref _gate, 1) == 1;
        }

        /// <summary>Handles the result of the last call and issues the next; true if that one completed already.</summary>
        private bool Advance()
        {
            NtStatus s = _irp.IoStatus.Status;
            if (!_receiving)
            {
                if (!s.IsSuccess)
                {
                    return Fail(_killed ? "timeout" : "WskSendTo: " + s);
                }

                _receiving = true;
                return Issued(static (me, irp) => me._dispatch.WskReceiveFrom(me._socket, me._reply, 0, me._from, null, default, null, irp));
            }

            if (!s.IsSuccess)
            {
                return Fail(_killed ? "timeout" : "WskReceiveFrom: " + s);
            }

            Volatile.Write(ref _sentAt, 0);
            if ((int)_irp.IoStatus.Information == _length)
            {
                _batch!.Ok();
            }
            else
            {
                _batch!.Fail("short reply");
            }

            return Next();
        }

        /// <summary>Takes the next request and sends it; false (the loop is done) when none is left.</summary>
        private bool Next()
        {
            if (_killed || !_batch!.TryTake())
            {
                _batch!.LoopDone();
                return false;
            }

            Volatile.Write(ref _sentAt, Stopwatch.GetTimestamp());
            _receiving = false;
            return Issued(static (me, irp) => me._dispatch.WskSendTo(me._socket, me._request, 0, me._remote, 0, default, irp));
        }

        /// <summary>A failed request ends this socket's loop for good (a late echo could be taken for the next reply).</summary>
        private bool Fail(string error)
        {
            Volatile.Write(ref _sentAt, 0);
            Dead = true;
            _killed = true;
            _batch!.Fail(error);
            _batch.LoopDone();
            return false;
        }
    }
}
