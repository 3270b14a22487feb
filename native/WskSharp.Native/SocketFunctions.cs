using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Native;

/// <summary>
/// The functions of the C socket dispatch tables: each turns its C arguments (PWSK_SOCKET, SOCKADDR, WSK_BUF over an MDL
/// chain, PIRP) into the WSK layer's and calls the same function the managed dispatch table holds. Every rule is the WSK
/// layer's; nothing is checked here but what only C has (an IRP with no stack location left).
/// </summary>
internal static unsafe class SocketFunctions
{
    [UnmanagedCallersOnly]
    public static int ControlSocket(CWskSocket* socket, int requestType, uint controlCode, uint level, nuint inputSize,
        byte* inputBuffer, nuint outputSize, byte* outputBuffer, nuint* outputSizeReturned, CIrp* irp)
    {
        WskSocket? managed = NativeSocket.Of(socket);
        var type = (WskControlSocketType)requestType;
        nuint returned;
        NtStatus status;
        bool eventCallback = type == WskControlSocketType.WskSetOption && controlCode == Ws2Def.SO_WSK_EVENT_CALLBACK
            && level == Ws2Def.SOL_SOCKET;
        Span<byte> control = stackalloc byte[WskEventCallbackControl.Size];
        scoped ReadOnlySpan<byte> input;
        input = Span(inputBuffer, inputSize);
        if (eventCallback && EventControl(inputBuffer, inputSize, control))
        {
            input = control;
            inputSize = (nuint)control.Length;
        }

        if (irp is null)
        {
            status = WskProvider.ControlSocket(managed!, type, controlCode, level, inputSize, input, outputSize,
                Span(outputBuffer, outputSize), out returned, null);
        }
        else
        {
            NativeIrp? request = NativeIrp.Of(irp);
            Irp? managedIrp = request!.Begin();
            if (managedIrp is null)
            {
                return (int)NtStatus.InvalidParameter.Value;
            }

            status = (WskProvider.ControlSocket(managed!, type, controlCode, level, inputSize, input, outputSize,
                Span(outputBuffer, outputSize), out returned, managedIrp));
        }

        if (outputSizeReturned is not null)
        {
            *outputSizeReturned = returned;
        }

        return (int)status.Value;
    }

    [UnmanagedCallersOnly]
    public static int CloseSocket(CWskSocket* socket, CIrp* irp)
    {
        if (Start(irp, out NativeIrp? request, out Irp? managedIrp) is { } refused)
        {
            return refused;
        }

        bool counted = NativeSocket.BeginClose(socket);
        NtStatus status = (WskProvider.CloseSocket(NativeSocket.Of(socket)!, managedIrp!));
        if (status.IsSuccess)
        {
            NativeSocket.Retire(socket);
        }
        else if (counted)
        {
            NativeSocket.AbortClose(socket);
        }

        return (int)status.Value;
    }

    [UnmanagedCallersOnly]
    public static int Bind(CWskSocket* socket, byte* localAddress, uint flags, CIrp* irp)
    {
        if (Start(irp, out NativeIrp? request, out Irp? managedIrp) is { } refused)
        {
            return refused;
        }

        return (int)(WskProvider.Bind(NativeSocket.Of(socket)!, NativeAddress.Read(localAddress), flags, managedIrp!)).Value;
    }

    [UnmanagedCallersOnly]
    public static int Connect(CWskSocket* socket, byte* remoteAddress, uint flags, CIrp* irp)
    {
        if (Start(irp, out NativeIrp? request, out Irp? managedIrp) is { } refused)
        {
            return refused;
        }

        return (int)(WskProvider.Connect(NativeSocket.Of(socket)!, NativeAddress.Read(remoteAddress), flags, managedIrp!)).Value;
    }

    [UnmanagedCallersOnly]
    public static int ConnectEx(CWskSocket* socket, byte* remoteAddress, CWskBuf* buffer, uint flags, CIrp* irp)
    {
        if (Start(irp, out NativeIrp? request, out Irp? managedIrp) is { } refused)
        {
            return refused;
        }

        WskBuf? data = request!.Buffer.Map(buffer);
        return (int)(WskProvider.ConnectEx(NativeSocket.Of(socket)!, NativeAddress.Read(remoteAddress), data, flags, managedIrp!)).Value;
    }

    [UnmanagedCallersOnly]
    public static int GetLocalAddress(CWskSocket* socket, byte* localAddress, CIrp* irp) => GetAddress(socket, localAddress, irp, remote: false);

    [UnmanagedCallersOnly]
    public static int GetRemoteAddress(CWskSocket* socket, byte* remoteAddress, CIrp* irp) => GetAddress(socket, remoteAddress, irp, remote: true);

    private static int GetAddress(CWskSocket* socket, byte* address, CIrp* irp, bool remote)
    {
        if (Start(irp, out NativeIrp? request, out Irp? managedIrp) is { } refused)
        {
            return refused;
        }

        WskSocket managed = NativeSocket.Of(socket)!;
        SockAddr result;
        NtStatus status = remote ? WskProvider.GetRemoteAddress(managed, out result, managedIrp!) : WskProvider.GetLocalAddress(managed, out result, managedIrp!);
        if (status.IsSuccess)
        {
            NativeAddress.Write(address, result); // The WSK layer completes these inline: written before the call returns.
        }

        return (int)(status).Value;
    }

    [UnmanagedCallersOnly]
    public static int Send(CWskSocket* socket, CWskBuf* buffer, uint flags, CIrp* irp) => Transfer(socket, buffer, flags, irp, send: true);

    [UnmanagedCallersOnly]
    public static int Receive(CWskSocket* socket, CWskBuf* buffer, uint flags, CIrp* irp) => Transfer(socket, buffer, flags, irp, send: false);

    private static int Transfer(CWskSocket* socket, CWskBuf* buffer, uint flags, CIrp* irp, bool send)
    {
        if (Start(irp, out NativeIrp? request, out Irp? managedIrp) is { } refused)
        {
            return refused;
        }

        WskBuf data = request!.Buffer.Map(buffer) ?? default; // A null PWSK_BUF is an empty buffer: the WSK layer judges it.
        WskSocket managed = NativeSocket.Of(socket)!;
        return (int)(send ? WskProvider.Send(managed, data, flags, managedIrp!) : WskProvider.Receive(managed, data, flags, managedIrp!)).Value;
    }

    [UnmanagedCallersOnly]
    public static int Disconnect(CWskSocket* socket, CWskBuf* buffer, uint flags, CIrp* irp)
    {
        if (Start(irp, out NativeIrp? request, out Irp? managedIrp) is { } refused)
        {
            return refused;
        }

        WskBuf? data = request!.Buffer.Map(buffer);
        return (int)(WskProvider.Disconnect(NativeSocket.Of(socket)!, data, flags, managedIrp!)).Value;
    }

    [UnmanagedCallersOnly]
    public static int Release(CWskSocket* socket, CDataIndication* dataIndication)
        => (int)DataIndications.Release(NativeSocket.Of(socket), dataIndication).Value;

    [UnmanagedCallersOnly]
    public static int SendEx(CWskSocket* socket, CWskBuf* buffer, uint flags, uint controlInfoLength, byte* controlInfo, CIrp* irp)
    {
        if (Start(irp, out NativeIrp? request, out Irp? managedIrp) is { } refused)
        {
            return refused;
        }

        WskBuf data = request!.Buffer.Map(buffer) ?? default;
        return (int)(WskProvider.SendEx(NativeSocket.Of(socket)!, data, flags, controlInfoLength,
            Span(controlInfo, controlInfoLength), managedIrp!)).Value;
    }

    [UnmanagedCallersOnly]
    public static int ReceiveEx(CWskSocket* socket, CWskBuf* buffer, uint flags, uint* controlInfoLength, byte* controlInfo,
        uint* controlFlags, CIrp* irp)
    {
        if (Start(irp, out NativeIrp? request, out Irp? managedIrp) is { } refused)
        {
            return refused;
        }

        // A stream has no control information: the WSK layer sets the length and flags to 0 before the request starts.
        StrongBox<uint>? length = controlInfoLength is null ? null : new StrongBox<uint>(*controlInfoLength);
        StrongBox<uint>? controlFlagsBox = controlFlags is null ? null : new StrongBox<uint>(0);
        Memory<byte> control = Memory<byte>.Empty;
        if (controlInfo is not null && length is not null)
        {
            var manager = new NativeMemoryManager();
            manager.Reset(controlInfo, (int)Math.Min(length.Value, int.MaxValue));
            control = manager.Memory;
        }

        WskBuf data = request!.Buffer.Map(buffer) ?? default;
        NtStatus status = WskProvider.ReceiveEx(NativeSocket.Of(socket)!, data, flags, length, control, controlFlagsBox, managedIrp!);
        if (length is not null)
        {
            *controlInfoLength = length.Value;
        }

        if (controlFlags is not null)
        {
            *controlFlags = controlFlagsBox!.Value;
        }

        return (int)(status).Value;
    }

    [UnmanagedCallersOnly]
    public static int Listen(CWskSocket* socket, CIrp* irp)
    {
        if (Start(irp, out NativeIrp? request, out Irp? managedIrp) is { } refused)
        {
            return refused;
        }

        return (int)(WskProvider.Listen(NativeSocket.Of(socket)!, managedIrp!)).Value;
    }

    [UnmanagedCallersOnly]
    public static int Accept(CWskSocket* listenSocket, uint flags, nint acceptSocketContext, CClientConnectionDispatch* acceptSocketDispatch,
        byte* localAddress, byte* remoteAddress, CIrp* irp)
    {
        if (Start(irp, out NativeIrp? request, out Irp? managedIrp) is { } refused)
        {
            return refused;
        }

        request!.LocalOut = localAddress;
        request.RemoteOut = remoteAddress;
        request.LocalBox = new StrongBox<SockAddr>();
        request.RemoteBox = new StrongBox<SockAddr>();
        return (int)(WskProvider.Accept(NativeSocket.Of(listenSocket)!, flags, new NativeSocket(acceptSocketContext),
            ClientCallbacks.Connection(acceptSocketDispatch), request.LocalBox, request.RemoteBox, managedIrp!)).Value;
    }

    [UnmanagedCallersOnly]
    public static int InspectComplete(CWskSocket* listenSocket, nint inspectId, int action, CIrp* irp)
    {
        if (Start(irp, out NativeIrp? request, out Irp? managedIrp) is { } refused)
        {
            return refused;
        }

        // WSK_INSPECT_ID { ULONG_PTR Key; ULONG SerialNumber; } (x64: Key at 0, SerialNumber at 8); null is a bad id.
        var id = inspectId == 0 ? new WskInspectId(nuint.MaxValue, uint.MaxValue) : new WskInspectId(*(nuint*)inspectId, *(uint*)(inspectId + 8));
        return (int)(WskProvider.InspectComplete(NativeSocket.Of(listenSocket)!, id, (WskInspectAction)action, managedIrp!)).Value;
    }

    /// <summary>
    /// C's <c>WSK_EVENT_CALLBACK_CONTROL { PNPIID NpiId; ULONG EventMask; }</c> (SO_WSK_EVENT_CALLBACK,
    /// WSK_SET_STATIC_EVENT_CALLBACKS) in the WSK layer's binary form, which holds the id inline; FALSE (the input goes as
    /// it is, for the WSK layer to refuse) if it is too short to be one.
    /// </summary>
    internal static bool EventControl(byte* inputBuffer, nuint inputSize, Span<byte> control)
    {
        if (inputBuffer is null || inputSize < (nuint)(sizeof(nint) + sizeof(uint)))
        {
            return false;
        }

        byte* npiId = *(byte**)inputBuffer;
        uint mask = *(uint*)(inputBuffer + sizeof(nint));
        var id = npiId is null ? Guid.Empty : new Guid(new ReadOnlySpan<byte>(npiId, 16));
        new WskEventCallbackControl(id, mask).WriteTo(control);
        return true;
    }

    /// <summary>A refusal before any I/O, as the WSK layer makes them: put in the IRP (its routine runs now) and returned. The
    /// request is started with the registration's IRP logger, so a completion routine that throws is logged, not only
    /// contained.</summary>
    internal static int Refuse(WskClient? client, Irp irp, NtStatus status)
    {
        irp.TryStart(client?.IrpLogger);
        irp.CompleteInline(status);
        return (int)status.Value;
    }

    /// <summary>Takes the C IRP for a request; the NTSTATUS to return at once if it cannot be (null, or no stack location left,
    /// or still pending), in which case nothing was completed.</summary>
    internal static int? Start(CIrp* irp, out NativeIrp? request, out Irp? managedIrp)
    {
        request = NativeIrp.Of(irp);
        managedIrp = request?.Begin();
        return managedIrp is null ? (int)NtStatus.InvalidParameter.Value : null;
    }

    internal static Span<byte> Span(byte* pointer, nuint length)
        => pointer is null ? default : new Span<byte>(pointer, (int)Math.Min(length, (nuint)int.MaxValue));
}
