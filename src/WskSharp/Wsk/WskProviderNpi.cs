namespace WskSharp.Wsk;

/// <summary><c>WSK_PROVIDER_NPI</c>: what <see cref="WskApi.WskCaptureProviderNPI"/> gives the client.</summary>
public sealed class WskProviderNpi
{
    internal WskProviderNpi(WskClient client, WskProviderDispatch dispatch)
    {
        Client = client;
        Dispatch = dispatch;
    }

    /// <summary>The client object to pass to every provider-level call.</summary>
    public WskClient Client { get; }

    /// <summary>The provider-level functions.</summary>
    public WskProviderDispatch Dispatch { get; }
}
