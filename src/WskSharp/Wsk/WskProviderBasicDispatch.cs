namespace WskSharp.Wsk;

/// <summary>
/// <c>WSK_PROVIDER_BASIC_DISPATCH</c>: the functions every socket has, in the documented order. Every category's table
/// begins with it, so, as in C, any socket's <see cref="WskSocket.Dispatch"/> can be cast to this type to reach
/// WskControlSocket and WskCloseSocket.
/// </summary>
public class WskProviderBasicDispatch
{
    /// <summary>The table of a basic socket (WSK_FLAG_BASIC_SOCKET): only these two functions.</summary>
    internal static readonly WskProviderBasicDispatch BasicInstance = new();

    private protected WskProviderBasicDispatch()
    {
    }

    /// <summary>Options and I/O controls.</summary>
    public PfnWskControlSocket WskControlSocket { get; } = WskProvider.ControlSocket;

    /// <summary>Closes the socket.</summary>
    public PfnWskCloseSocket WskCloseSocket { get; } = WskProvider.CloseSocket;
}
