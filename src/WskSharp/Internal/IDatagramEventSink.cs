using WskSharp.Nt;

namespace WskSharp.Internal;

/// <summary>Where a datagram engine delivers its receive-from events: the WSK layer, which calls the client's
/// WskReceiveFromEvent. Called outside the engine's lock, one call at a time per socket.</summary>
internal interface IDatagramEventSink
{
    /// <summary>A datagram arrived. Returns the client's answer: Success (consumed: the engine reuses the memory), Pending
    /// (the client keeps it until WskRelease hands it back through <see cref="DatagramEngine.Release"/>), or DataNotAccepted
    /// (the engine keeps it for the next WskReceiveFrom, and indicates nothing more until then).</summary>
    NtStatus OnReceiveFrom(HeldDatagram datagram);
}
