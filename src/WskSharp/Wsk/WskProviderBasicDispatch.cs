namespace WskSharp.Wsk;

/// <summary><c>WSK_PROVIDER_BASIC_DISPATCH</c>: the functions every socket has, in the documented order.</summary>
public sealed class WskProviderBasicDispatch
{
    internal static readonly WskProviderBasicDispatch Instance = new();

    private WskProviderBasicDispatch()
    {
    }

    /// <summary>Options and I/O controls.</summary>
    public PfnWskControlSocket WskControlSocket { get; } = WskProvider.ControlSocket;

    /// <summary>Closes the socket.</summary>
    public PfnWskCloseSocket WskCloseSocket { get; } = WskProvider.CloseSocket;
}
