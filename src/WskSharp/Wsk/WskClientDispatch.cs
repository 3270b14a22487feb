namespace WskSharp.Wsk;

/// <summary><c>WSK_CLIENT_DISPATCH</c>: what the client tells the provider when it registers.</summary>
/// <param name="Version">The WSK version the client asks for (<see cref="WskConstants.WSK_V1_0"/>).</param>
/// <param name="Reserved">Reserved; 0.</param>
/// <param name="WskClientEvent">The client's provider-level event callback, or null.</param>
public sealed record WskClientDispatch(ushort Version, ushort Reserved = 0, PfnWskClientEvent? WskClientEvent = null);
