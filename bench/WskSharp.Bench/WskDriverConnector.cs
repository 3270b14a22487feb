using System.Diagnostics;
using System.Net;
using System.Threading.Tasks.Sources;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Bench;

/// <summary>
/// The WskSharp peer written as a WSK driver writes it: one IRP whose completion routine issues the next call of the
/// connection (WskSocket, WskBind, WskConnectEx with the request, WskReceive until the reply is in, WskCloseSocket),
/// resubmitting the IRP from inside the routine. Routines run on the provider's event loop (a provider's DISPATCH_LEVEL)
/// in the default mode, so a connection costs no thread hand-off; the routine never blocks. The outcome completes a
/// pooled awaitable, inline, as a driver's routine would signal its own code.
/// </summary>
internal sealed class WskDriverConnector : IValueTaskSource<ConnOutcome>
{
    private enum Step
    {
        Socket,
        Bind,
        Connect,
        Receive,
        Close,
    }

    private readonly WskProviderNpi _npi;
    private readonly Irp _irp = new();
    private readonly WskExchange _x;
    private ManualResetValueTaskSourceCore<ConnOutcome> _core;
    private Step _step;
    private WskSocket? _socket;
    private WskProviderConnectionDispatch? _dispatch;
    private long _startedAt;
    private long _firstByteAt;
    private int _got;
    private ConnOutcome _outcome;

    public WskDriverConnector(WskProviderNpi npi, WskExchange exchange)
    {
        _npi = npi;
        _x = exchange;
        _core.RunContinuationsAsynchronously = false; // The routine signals its own code inline, as a driver does.
    }

    /// <summary>Stopwatch timestamp at which the current connection started, or 0 when idle (for a watchdog).</summary>
    public long StartedAt => Volatile.Read(ref _startedAt);

    /// <summary>Cancels whatever request the IRP holds (the watchdog's way to end a stuck connection).</summary>
    public void CancelCurrent() => _irp.Cancel();

    /// <summary>One connection; completes when its socket is closed.</summary>
    public ValueTask<ConnOutcome> RunOnceAsync()
    {
        _core.Reset();
        _socket = null;
        _dispatch = null;
        _got = 0;
        _outcome = default;
        Volatile.Write(ref _startedAt, Stopwatch.GetTimestamp());
        _step = Step.Socket;
        _irp.SetCompletionRoutine(static (irp, context) => ((WskDriverConnector)context!).OnCompleted(irp), this);
        _ = _npi.Dispatch.WskSocket(_npi.Client, Ws2Def.AF_INET, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP,
            WskConstants.WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, _irp);
        return new ValueTask<ConnOutcome>(this, _core.Version);
    }

    /// <summary>The routine: reads what the last call did and issues the next one with the same IRP.</summary>
    private NtStatus OnCompleted(Irp irp)
    {
        NtStatus s = irp.IoStatus.Status;
        switch (_step)
        {
            case Step.Socket:
                if (!s.IsSuccess)
                {
                    Finish(ConnOutcome.Fail(Stage.Socket, s.ToString()));
                    break;
                }

                _socket = (WskSocket)irp.IoStatus.Pointer!;
                _dispatch = (WskProviderConnectionDispatch)_socket.Dispatch;
                if (_x.FastOpen && !(s = WskFastOpen.Enable(_socket)).IsSuccess)
                {
                    Close(ConnOutcome.Fail(Stage.FastOpen, s.ToString()));
                    break;
                }

                _step = Step.Bind;
                _ = _dispatch.WskBind(_socket, _x.Local, 0, irp);
                break;
            case Step.Bind:
                if (!s.IsSuccess)
                {
                    Close(ConnOutcome.Fail(Stage.Bind, s.ToString()));
                    break;
                }

                _step = Step.Connect;
                _ = _dispatch!.WskConnectEx(_socket!, _x.Remote, _x.Request, 0, irp);
                break;
            case Step.Connect:
                if (!s.IsSuccess)
                {
                    Close(ConnOutcome.Fail(Stage.Connect, s.ToString()));
                    break;
                }

                Receive(irp);
                break;
            case Step.Receive:
                int n = (int)irp.IoStatus.Information;
                if (!s.IsSuccess || n == 0)
                {
                    Close(ConnOutcome.Fail(s.IsSuccess ? Stage.Eof : Stage.Receive, s.IsSuccess ? "peer closed" : s.ToString()));
                    break;
                }

                if (_got == 0)
                {
                    _firstByteAt = Stopwatch.GetTimestamp();
                }

                _got += n;
                if (_got < _x.ReplyBytes)
                {
                    Receive(irp);
                    break;
                }

                Close(_x.Outcome(_socket!, _firstByteAt - Volatile.Read(ref _startedAt)));
                break;
            case Step.Close:
                Finish(_outcome.Ok && !s.IsSuccess ? ConnOutcome.Fail(Stage.Close, s.ToString()) : _outcome);
                break;
        }

        return NtStatus.MoreProcessingRequired;
    }

    /// <summary>First WskReceive without WSK_FLAG_WAITALL (it completes with the first reply bytes), then WAITALL.</summary>
    private void Receive(Irp irp)
    {
        _step = Step.Receive;
        _ = _dispatch!.WskReceive(_socket!, _x.ReplyFrom(_got), _got == 0 ? 0 : WskConstants.WSK_FLAG_WAITALL, irp);
    }

    private void Close(ConnOutcome outcome)
    {
        _outcome = outcome;
        _step = Step.Close;
        Volatile.Write(ref _startedAt, 0);
        _ = _dispatch!.Basic.WskCloseSocket(_socket!, _irp);
    }

    private void Finish(ConnOutcome outcome)
    {
        Volatile.Write(ref _startedAt, 0);
        _core.SetResult(outcome);
    }

    ConnOutcome IValueTaskSource<ConnOutcome>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<ConnOutcome>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<ConnOutcome>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);
}
