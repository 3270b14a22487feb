namespace WskSharp.Wsk;

/// <summary><c>WSK_PROVIDER_CONNECTION_DISPATCH</c>: the functions of a connection socket, in the documented order.</summary>
public sealed class WskProviderConnectionDispatch : WskProviderBasicDispatch
{
    internal static readonly WskProviderConnectionDispatch Instance = new();

    private WskProviderConnectionDispatch()
    {
    }

#pragma warning disable CS1591 // Each member is the wsk.h function of the same name; see its delegate type.
    public WskProviderBasicDispatch Basic => this;
    public PfnWskBind WskBind { get; } = WskProvider.Bind;
    public PfnWskConnect WskConnect { get; } = WskProvider.Connect;
    public PfnWskGetLocalAddress WskGetLocalAddress { get; } = WskProvider.GetLocalAddress;
    public PfnWskGetRemoteAddress WskGetRemoteAddress { get; } = WskProvider.GetRemoteAddress;
    public PfnWskSend WskSend { get; } = WskProvider.Send;
    public PfnWskReceive WskReceive { get; } = WskProvider.Receive;
    public PfnWskDisconnect WskDisconnect { get; } = WskProvider.Disconnect;
    public PfnWskRelease WskRelease { get; } = WskProvider.Release;
    public PfnWskConnectEx WskConnectEx { get; } = WskProvider.ConnectEx;
    public PfnWskSendEx WskSendEx { get; } = WskProvider.SendEx;
    public PfnWskReceiveEx WskReceiveEx { get; } = WskProvider.ReceiveEx;
#pragma warning restore CS1591
}
