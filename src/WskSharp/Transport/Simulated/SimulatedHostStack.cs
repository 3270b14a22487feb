using WskSharp.Nt;

namespace WskSharp.Transport.Simulated;

/// <summary>The <see cref="IHostStack"/> face of a <see cref="SimulatedNetwork"/>: registrations that share a network
/// talk to each other through it, as processes on one host do through its kernel.</summary>
internal sealed class SimulatedHostStack(SimulatedNetwork network) : IHostStack
{
    /// <summary>The network this stack's sockets live on.</summary>
    public SimulatedNetwork Network { get; } = network;

    /// <inheritdoc/>
    public string Name => $"simulated(seed {Network.Options.Seed})";

    /// <inheritdoc/>
    public NtStatus CreateStreamSocket(ushort family, IHostSocketEvents events, out IHostSocket? socket)
        => Network.CreateSocket(family, events, out socket);

    /// <inheritdoc/>
    public NtStatus CreateDatagramSocket(ushort family, IHostSocketEvents events, out IHostDatagramSocket? socket)
        => Network.CreateDatagramSocket(family, events, out socket);
}
