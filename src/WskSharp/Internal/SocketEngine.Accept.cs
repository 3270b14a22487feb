using WskSharp.Nt;
using WskSharp.Transport;

namespace WskSharp.Internal;

/// <summary>The listening half of the engine: pending WskAccept requests and the sockets they take.</summary>
internal sealed partial class SocketEngine
{
    private SocketEngine(ushort family, SocketEngineSettings settings, bool accepted) : this(family, settings)
    {
        if (accepted)
        {
            _state = SocketState.Connected;
            WasConnected = true;
        }
    }

    /// <summary>Makes the WSK layer's socket objects for accepted connections (set on listening sockets).</summary>
    public IAcceptedSocketFactory? AcceptFactory { get; set; }

    /// <summary>Takes one pending connection from the kernel for the accept IRP at the head of the queue.</summary>
    private NtStatus AcceptOne(Irp irp)
    {
        var request = (AcceptRequest)irp.Stack.Context!;
        while (true)
        {
            NtStatus status = TakeConnection(out SocketEngine? accepted);
            if (status != NtStatus.Success)
            {
                return status;
            }

            object? socket = AcceptFactory?.CreateAcceptedSocket(accepted!, request.Context, request.Dispatch);
            if (socket is null)
            {
                accepted!.Close(); // The client is deregistering: the connection is refused.
                continue;
            }

            if (request.LocalAddress is { } local)
            {
                accepted!.GetAddress(remote: false, out local.Value);
            }

            if (request.RemoteAddress is { } remote)
            {
                accepted!.GetAddress(remote: true, out remote.Value);
            }

            irp.Stack.Result = socket; // The completion puts it in IoStatus.Pointer: WskAccept's result is the PWSK_SOCKET.
            return NtStatus.Success;
        }
    }

    /// <summary>accept4 into a new engine, registered with the event loop and connected.</summary>
    private NtStatus TryAcceptHost(out SocketEngine? accepted)
    {
        var engine = new SocketEngine(Family, _settings, accepted: true);
        engine.NoDelay = NoDelay; // The host socket inherits TCP_NODELAY from the listener; the engine's record of it must too.
        NtStatus status = _host!.Accept(engine, out engine._host);
        accepted = status == NtStatus.Success ? engine : null;
        return status;
    }
}
