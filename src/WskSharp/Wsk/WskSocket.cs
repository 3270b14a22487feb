using WskSharp.Internal;

namespace WskSharp.Wsk;

/// <summary>
/// <c>WSK_SOCKET</c>: a socket object. <see cref="Dispatch"/> is the provider dispatch table of the socket's category
/// (<see cref="WskProviderConnectionDispatch"/>, <see cref="WskProviderStreamDispatch"/>, ...): cast it, as a C client
/// casts <c>Socket->Dispatch</c>. After WskCloseSocket the object is dead: every call on it is refused with
/// <c>STATUS_INVALID_HANDLE</c>.
/// </summary>
public sealed class WskSocket
{
    internal WskSocket(WskClient client, SocketEngine engine, uint category, object dispatch, object? context, object? clientDispatch)
    {
        Client = client;
        Engine = engine;
        Category = category;
        Dispatch = dispatch;
        Context = context;
        ClientDispatch = clientDispatch;
    }

    /// <summary>The provider dispatch table for this socket's category.</summary>
    public object Dispatch { get; }

    /// <summary>The category flag given to WskSocket (<see cref="WskConstants.WSK_FLAG_CONNECTION_SOCKET"/>, ...).</summary>
    public uint Category { get; }

    /// <summary>The client's socket context, as given to WskSocket.</summary>
    public object? Context { get; }

    internal object? ClientDispatch { get; }

    internal WskClient Client { get; }

    internal SocketEngine Engine { get; }
}
