using WskSharp.Nt;

namespace WskSharp.Internal;

/// <summary>Where a datagram engine delivers its receive-from events: the WSK layer, which calls the client's
/// WskReceiveFromEvent. Called outside the engine's lock, one call at a time per socket.</summary>
internal interface IDatagramEventSink
{
    /// <summary>Datagrams arrived: <paramref name="first"/> and those linked after it through <see cref="HeldDatagram.Next"/>
    /// (at most <see cref="DatagramEngine.IndicationListLimit"/>), indicated as one list. Returns the client's answer for the
    /// whole list: Success (consumed: the engine reuses the memory), Pending (the client keeps it until WskRelease hands each
    /// back through <see cref="DatagramEngine.Release"/>), or DataNotAccepted (the engine keeps them, in order, for
    /// WskReceiveFrom, and indicates nothing more until all are taken).</summary>
    NtStatus OnReceiveFrom(HeldDatagram first);
}
