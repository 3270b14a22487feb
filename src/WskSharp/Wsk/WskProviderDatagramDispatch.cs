namespace WskSharp.Wsk;

/// <summary><c>WSK_PROVIDER_DATAGRAM_DISPATCH</c>: the functions of a datagram socket, in the documented order (WskSendMessages
/// last, as wsk.h adds it for Windows 8 and later).</summary>
public sealed class WskProviderDatagramDispatch : WskProviderBasicDispatch
{
    internal static readonly WskProviderDatagramDispatch Instance = new();

    private WskProviderDatagramDispatch()
    {
    }

#pragma warning disable CS1591 // Each member is the wsk.h function of the same name; see its delegate type.
    public WskProviderBasicDispatch Basic => this;
    public PfnWskBind WskBind { get; } = WskProvider.BindDatagram;
    public PfnWskSendTo WskSendTo { get; } = WskProvider.SendTo;
    public PfnWskReceiveFrom WskReceiveFrom { get; } = WskProvider.ReceiveFrom;
    public PfnWskReleaseDatagramIndicationList WskRelease { get; } = WskProvider.ReleaseDatagrams;
    public PfnWskGetLocalAddress WskGetLocalAddress { get; } = WskProvider.GetDatagramLocalAddress;
    public PfnWskSendMessages WskSendMessages { get; } = WskProvider.SendMessages;
#pragma warning restore CS1591
}
