using System.Runtime.CompilerServices;
using WskSharp.Ws2;

namespace WskSharp.Internal;

/// <summary>What a pending WskAccept carries: the accepted socket's context and client dispatch, and where its
/// addresses go.</summary>
internal sealed record AcceptRequest(object? Context, object? Dispatch, StrongBox<SockAddr>? LocalAddress, StrongBox<SockAddr>? RemoteAddress);
