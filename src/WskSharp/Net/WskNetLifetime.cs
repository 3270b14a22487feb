using WskSharp.Nt;
using WskSharp.Wsk;

namespace WskSharp.Net;

/// <summary>
/// What every socket object of the .NET face (connection, listener, datagram socket) does alike with its WSK socket: it is
/// counted open in its provider, and its socket is closed once (WskCloseSocket through the socket's own dispatch table,
/// without waiting), by its Dispose, which also leaves the provider's count, or by the provider's disposal, whichever comes
/// first. A field of each object (a struct: no object more per socket); the object passes what it already holds.
/// </summary>
internal struct WskNetLifetime
{
    private int _disposed;

    /// <summary>True once the object is disposed (or closed by its provider).</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Counts <paramref name="owner"/> open in <paramref name="provider"/>; a provider already disposed gets its
    /// socket closed at once and an <see cref="ObjectDisposedException"/>.</summary>
    public static void Track(WskNetProvider provider, IWskNetResource owner, WskSocket socket)
    {
        if (!provider.TryAdd(owner))
        {
            Close(socket);
            throw new ObjectDisposedException(nameof(WskNetProvider));
        }
    }

    /// <summary>Throws <see cref="ObjectDisposedException"/> for <paramref name="owner"/> once it is disposed.</summary>
    public void ThrowIfDisposed(object owner) => ObjectDisposedException.ThrowIf(IsDisposed, owner);

    /// <summary>The object's Dispose: leaves the provider's count and closes the socket, the first time only.</summary>
    public void Dispose(WskNetProvider provider, IWskNetResource owner, WskSocket socket)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            provider.Remove(owner);
            Close(socket);
        }
    }

    /// <summary>The provider's disposal: closes the socket unless the object was disposed already.</summary>
    public void CloseFromProvider(WskSocket socket)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Close(socket);
        }
    }

    /// <summary>WskCloseSocket through the socket's dispatch table (every category's table starts with the basic one).</summary>
    public static void Close(WskSocket socket) => ((WskProviderBasicDispatch)socket.Dispatch).WskCloseSocket(socket, new Irp());
}
