using System.Runtime.InteropServices;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Native;

/// <summary>
/// The functions of the C <c>WSK_PROVIDER_DATAGRAM_DISPATCH</c> that a stream table does not have (WskControlSocket and
/// WskCloseSocket are <see cref="SocketFunctions"/>'): each turns its C arguments into the WSK layer's and calls the same
/// function <see cref="WskProviderDatagramDispatch"/> holds, so every rule is the WSK layer's.
/// </summary>
internal static unsafe class DatagramFunctions
{
    [UnmanagedCallersOnly]
    public static int Bind(CWskSocket* socket, byte* localAddress, uint flags, CIrp* irp)
    {
        if (SocketFunctions.Start(irp, out _, out Irp? managedIrp) is { } refused)
        {
            return refused;
        }

        return (int)WskProvider.BindDatagram(NativeSocket.Of(socket)!, NativeAddress.Read(localAddress), flags, managedIrp!).Value;
    }

    /// <summary>WskSendTo: a null RemoteAddress sends to the remote fixed by SIO_WSK_SET_REMOTE_ADDRESS/SENDTO_ADDRESS.</summary>
    [UnmanagedCallersOnly]
    public static int SendTo(CWskSocket* socket, CWskBuf* buffer, uint flags, byte* remoteAddress, uint controlInfoLength,
        byte* controlInfo, CIrp* irp)
    {
        if (SocketFunctions.Start(irp, out NativeIrp? request, out Irp? managedIrp) is { } refused)
        {
            return refused;
        }

        WskBuf data = request!.Buffer.Map(buffer) ?? default; // A null PWSK_BUF is an empty buffer: the WSK layer judges it.
        SockAddr? remote = remoteAddress is null ? null : NativeAddress.Read(remoteAddress);
        return (int)WskProvider.SendTo(NativeSocket.Of(socket)!, data, flags, remote, controlInfoLength,
            SocketFunctions.Span(controlInfo, controlInfoLength), managedIrp!).Value;
    }

    /// <summary>WskReceiveFrom: the sender, the control length and flags are written when the request completes, before the
    /// driver's routine runs (see <see cref="NativeDatagramRequest"/>).</summary>
    [UnmanagedCallersOnly]
    public static int ReceiveFrom(CWskSocket* socket, CWskBuf* buffer, uint flags, byte* remoteAddress, uint* controlLength,
        byte* controlInfo, uint* controlFlags, CIrp* irp)
    {
        if (SocketFunctions.Start(irp, out NativeIrp? request, out Irp? managedIrp) is { } refused)
        {
            return refused;
        }

        WskBuf data = request!.Buffer.Map(buffer) ?? default;
        request.Datagram.ArmReceive(remoteAddress, controlLength, controlInfo, controlFlags, out var remote, out var length,
            out Memory<byte> control, out var controlFlagsBox);
        return (int)WskProvider.ReceiveFrom(NativeSocket.Of(socket)!, data, flags, remote, length, control, controlFlagsBox,
            managedIrp!).Value;
    }

    [UnmanagedCallersOnly]
    public static int Release(CWskSocket* socket, CDatagramIndication* datagramIndication)
        => (int)DatagramIndications.Release(NativeSocket.Of(socket), datagramIndication).Value;

    [UnmanagedCallersOnly]
    public static int GetLocalAddress(CWskSocket* socket, byte* localAddress, CIrp* irp)
    {
        if (SocketFunctions.Start(irp, out _, out Irp? managedIrp) is { } refused)
        {
            return refused;
        }

        NtStatus status = WskProvider.GetDatagramLocalAddress(NativeSocket.Of(socket)!, out SockAddr result, managedIrp!);
        if (status.IsSuccess)
        {
            NativeAddress.Write(localAddress, result); // Completed inline: written before the call returns.
        }

        return (int)status.Value;
    }

    /// <summary>WskSendMessages: each WSK_BUF_LIST entry is one datagram, its buffer mapped over its own C MDL chain.</summary>
    [UnmanagedCallersOnly]
    public static int SendMessages(CWskSocket* socket, CWskBufList* bufferList, uint flags, byte* remoteAddress, uint controlInfoLength,
        byte* controlInfo, CIrp* irp)
    {
        if (SocketFunctions.Start(irp, out NativeIrp? request, out Irp? managedIrp) is { } refused)
        {
            return refused;
        }

        WskBufList? list = request!.Datagram.MapList(bufferList, out bool tooLong);
        if (tooLong)
        {
            return SocketFunctions.Refuse(NativeSocket.Of(socket)?.Client, managedIrp!, NtStatus.InvalidParameter); // A cycle, or absurdly long.
        }

        SockAddr? remote = remoteAddress is null ? null : NativeAddress.Read(remoteAddress);
        return (int)WskProvider.SendMessages(NativeSocket.Of(socket)!, list!, flags, remote, controlInfoLength,
            SocketFunctions.Span(controlInfo, controlInfoLength), managedIrp!).Value;
    }
}
