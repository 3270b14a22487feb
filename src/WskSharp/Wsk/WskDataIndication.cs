using WskSharp.Ws2;

namespace WskSharp.Wsk;

/// <summary><c>WSK_DATA_INDICATION</c>: one entry of a list of received data handed to a receive event callback.</summary>
public sealed class WskDataIndication
{
    /// <summary>The next entry, or null.</summary>
    public WskDataIndication? Next { get; set; }

    /// <summary>The data of this entry.</summary>
    public WskBuf Buffer { get; set; }

    /// <summary>The provider's hold on the memory behind an indication the client kept (returned STATUS_PENDING for),
    /// released by WskRelease; null for indications the client did not keep.</summary>
    internal object? ProviderHold { get; set; }
}
