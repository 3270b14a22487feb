using System.Runtime.CompilerServices;
using WskSharp.Transport;
using WskSharp.Ws2;

namespace WskSharp.Internal;

/// <summary>
/// The parameters of one pending datagram request, kept in <c>Irp.Stack.Context</c> while the engine holds the IRP: where a
/// receive puts the sender, the control data and the flags (the caller's boxes and buffer), or where a send goes and from
/// which source. Pooled by the engine: a request in steady state allocates nothing.
/// </summary>
internal sealed class DatagramRequest
{
    public StrongBox<SockAddr>? RemoteBox;
    public StrongBox<uint>? ControlLengthBox;
    public Memory<byte> ControlInfo;
    public StrongBox<uint>? ControlFlagsBox;

    public SockAddr Remote;
    public HostPacketInfo PacketInfo;
    public bool WithPacketInfo;

    /// <summary>WskSendMessages: the datagram to send next (null once all are out, or for a single datagram).</summary>
    public IDatagramBuffer? NextDatagram;
    public bool IsList;

    public DatagramRequest? NextFree;

    public void Clear()
    {
        RemoteBox = null;
        ControlLengthBox = null;
        ControlInfo = default;
        ControlFlagsBox = null;
        NextDatagram = null;
        IsList = false;
        WithPacketInfo = false;
    }
}
