using WskSharp.Ws2;

namespace WskSharp.Transport.Simulated;

/// <summary>A simulated socket of any kind whose readiness the scheduler delivers (stream or datagram).</summary>
internal interface ISimulatedEndpoint
{
    /// <summary>The bound local address (default until bound): what its port space compares.</summary>
    SockAddr Local { get; }

    /// <summary>Takes the readiness gathered since the last delivery; false if there is nothing to deliver. Under the gate.</summary>
    bool TakeReadiness(out IHostSocketEvents? events, out bool readable, out bool writable, out bool hangup);
}
