using WskSharp.Nt;
using WskSharp.Ws2;

namespace WskSharp.Transport;

/// <summary>
/// A host IP stack, as the engines see it: it makes non-blocking TCP and UDP sockets. One contract, two stacks (the Linux
/// kernel's, in Linux/; a deterministic simulated network, in Simulated/), and the same conformance tests for each.
/// </summary>
internal interface IHostStack
{
    /// <summary>A short name for diagnostics ("linux").</summary>
    string Name { get; }

    /// <summary>Creates a non-blocking TCP socket of <paramref name="family"/> (<see cref="Ws2Def.AF_INET"/> or
    /// <see cref="Ws2Def.AF_INET6"/>) whose readiness is reported to <paramref name="events"/>.</summary>
    NtStatus CreateStreamSocket(ushort family, IHostSocketEvents events, out IHostSocket? socket);

    /// <summary>Creates a non-blocking UDP socket of <paramref name="family"/> whose readiness is reported to
    /// <paramref name="events"/> once it is bound.</summary>
    NtStatus CreateDatagramSocket(ushort family, IHostSocketEvents events, out IHostDatagramSocket? socket);
}
