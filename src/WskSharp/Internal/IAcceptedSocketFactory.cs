namespace WskSharp.Internal;

/// <summary>Makes the WSK layer's socket object for an engine a listening socket accepted, so that an accept IRP can
/// complete with it (<c>IoStatus.Pointer</c>). Null if the client can take no more sockets.</summary>
internal interface IAcceptedSocketFactory
{
    object? CreateAcceptedSocket(SocketEngine engine, object? context, object? dispatch);
}
