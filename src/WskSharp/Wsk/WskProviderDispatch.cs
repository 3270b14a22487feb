namespace WskSharp.Wsk;

/// <summary><c>WSK_PROVIDER_DISPATCH</c>: the provider-level functions, members in the documented order.</summary>
public sealed class WskProviderDispatch
{
    internal WskProviderDispatch()
    {
    }

    /// <summary>The WSK version the provider speaks (<see cref="WskConstants.WSK_V1_0"/>).</summary>
    public ushort Version { get; } = WskConstants.WSK_V1_0;

    /// <summary>Reserved.</summary>
    public ushort Reserved { get; }

    /// <summary>Creates a socket.</summary>
    public PfnWskSocket WskSocket { get; } = WskProvider.Socket;

    /// <summary>Creates, binds and connects a socket.</summary>
    public PfnWskSocketConnect WskSocketConnect { get; } = WskProvider.SocketConnect;

    /// <summary>Provider-level control.</summary>
    public PfnWskControlClient WskControlClient { get; } = WskProvider.ControlClient;

    /// <summary>Name resolution.</summary>
    public PfnWskGetAddressInfo WskGetAddressInfo { get; } = WskProvider.GetAddressInfo;

    /// <summary>Frees a name resolution result.</summary>
    public PfnWskFreeAddressInfo WskFreeAddressInfo { get; } = WskProvider.FreeAddressInfo;

    /// <summary>Reverse name resolution.</summary>
    public PfnWskGetNameInfo WskGetNameInfo { get; } = WskProvider.GetNameInfo;
}
