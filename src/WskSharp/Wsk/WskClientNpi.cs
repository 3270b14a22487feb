namespace WskSharp.Wsk;

/// <summary><c>WSK_CLIENT_NPI</c>: the client's context and dispatch, given to <see cref="WskApi.WskRegister(WskClientNpi, out WskRegistration?)"/>.</summary>
/// <param name="ClientContext">The client's own context, handed back in its callbacks.</param>
/// <param name="Dispatch">The client's dispatch.</param>
public sealed record WskClientNpi(object? ClientContext, WskClientDispatch Dispatch);
