namespace WskSharp.Wsk;

/// <summary><c>WSK_PROVIDER_LISTEN_DISPATCH</c>: the functions of a listening socket, in the documented order.</summary>
public sealed class WskProviderListenDispatch : WskProviderBasicDispatch
{
    internal static readonly WskProviderListenDispatch Instance = new();

    private WskProviderListenDispatch()
    {
    }

#pragma warning disable CS1591 // Each member is the wsk.h function of the same name; see its delegate type.
    public WskProviderBasicDispatch Basic => this;
    public PfnWskBind WskBind { get; } = WskProvider.Bind;
    public PfnWskAccept WskAccept { get; } = WskProvider.Accept;
    public PfnWskInspectComplete WskInspectComplete { get; } = WskProvider.InspectComplete;
    public PfnWskGetLocalAddress WskGetLocalAddress { get; } = WskProvider.GetLocalAddress;
#pragma warning restore CS1591
}
