using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Native;

/// <summary>The functions of the C <c>WSK_PROVIDER_DISPATCH</c>: <c>PWSK_CLIENT</c> is the handle of the registration's
/// <see cref="NativeClient"/>.</summary>
internal static unsafe class ProviderFunctions
{
    [UnmanagedCallersOnly]
    public static int Socket(nint client, ushort addressFamily, ushort socketType, uint protocol, uint flags, nint socketContext,
        nint dispatch, nint owningProcess, nint owningThread, nint securityDescriptor, CIrp* irp)
    {
        if (SocketFunctions.Start(irp, out NativeIrp? request, out Irp? managedIrp) is { } refused)
        {
            return refused;
        }

        // The new socket's context is its C face; the C event table becomes the WSK layer's client dispatch.
        return (int)(WskProvider.Socket(NativeClient.Of(client)!, addressFamily, socketType, protocol, flags,
            new NativeSocket(socketContext), ClientCallbacks.For(flags, dispatch), null, null, null, managedIrp!)).Value;
    }

    [UnmanagedCallersOnly]
    public static int SocketConnect(nint client, ushort socketType, uint protocol, byte* localAddress, byte* remoteAddress,
        uint flags, nint socketContext, CClientConnectionDispatch* dispatch, nint owningProcess, nint owningThread,
        nint securityDescriptor, CIrp* irp)
    {
        if (SocketFunctions.Start(irp, out NativeIrp? request, out Irp? managedIrp) is { } refused)
        {
            return refused;
        }

        return (int)(WskProvider.SocketConnect(NativeClient.Of(client)!, socketType, protocol,
            NativeAddress.Read(localAddress), NativeAddress.Read(remoteAddress), flags, new NativeSocket(socketContext),
            ClientCallbacks.Connection(dispatch), null, null, null, managedIrp!)).Value;
    }

    [UnmanagedCallersOnly]
    public static int ControlClient(nint client, uint controlCode, nuint inputSize, byte* inputBuffer, nuint outputSize,
        byte* outputBuffer, nuint* outputSizeReturned, CIrp* irp)
    {
        NtStatus status;
        nuint returned;
        WskClient managed = NativeClient.Of(client)!;
        Span<byte> control = stackalloc byte[WskEventCallbackControl.Size];
        scoped ReadOnlySpan<byte> input = SocketFunctions.Span(inputBuffer, inputSize);
        if (controlCode == WskConstants.WSK_SET_STATIC_EVENT_CALLBACKS && SocketFunctions.EventControl(inputBuffer, inputSize, control))
        {
            input = control;
            inputSize = (nuint)control.Length;
        }

        if (irp is null)
        {
            status = WskProvider.ControlClient(managed, controlCode, inputSize, input, outputSize,
                SocketFunctions.Span(outputBuffer, outputSize), out returned, null);
        }
        else
        {
            if (SocketFunctions.Start(irp, out NativeIrp? request, out Irp? managedIrp) is { } refused)
            {
                return refused;
            }

            status = (WskProvider.ControlClient(managed, controlCode, inputSize, input,
                outputSize, SocketFunctions.Span(outputBuffer, outputSize), out returned, managedIrp));
        }

        if (outputSizeReturned is not null)
        {
            *outputSizeReturned = returned;
        }

        return (int)status.Value;
    }

    private static readonly Func<NativeIrp, NtStatus, NtStatus> WriteAddressInfo = NativeResolution.WriteResult;
    private static readonly Func<NativeIrp, NtStatus, NtStatus> WriteNames = NativeNameInfo.WriteResult;

    [UnmanagedCallersOnly]
    public static int GetAddressInfo(nint client, ushort* nodeName, ushort* serviceName, uint nameSpace, Guid* provider, byte* hints,
        nint* result, nint owningProcess, nint owningThread, CIrp* irp)
    {
        if (result is not null)
        {
            *result = 0;
        }

        if (SocketFunctions.Start(irp, out NativeIrp? request, out Irp? managedIrp) is { } refused)
        {
            return refused;
        }

        var box = new StrongBox<WskAddrInfo?>();
        request!.WriteResult = WriteAddressInfo;
        request.ResultState = box;
        request.ResultOut = (nint)result;
        return (int)WskProvider.GetAddressInfo(NativeClient.Of(client)!, NativeResolution.String(nodeName),
            NativeResolution.String(serviceName), nameSpace, provider is null ? null : *provider, NativeResolution.Hints(hints),
            box, null, null, managedIrp!).Value;
    }

    [UnmanagedCallersOnly]
    public static void FreeAddressInfo(nint client, byte* addrInfo) => NativeResolution.Free(addrInfo);

    /// <summary>
    /// WskGetNameInfo: the WSK layer's reverse resolution; the names are written into the client's UNICODE_STRINGs (their
    /// Buffer and MaximumLength, NUL-terminated) when the request completes, before the routine runs (see
    /// <see cref="NativeNameInfo"/>).
    /// </summary>
    [UnmanagedCallersOnly]
    public static int GetNameInfo(nint client, byte* sockAddr, uint sockAddrLength, CUnicodeString* nodeName, CUnicodeString* serviceName,
        uint flags, nint owningProcess, nint owningThread, CIrp* irp)
    {
        if (SocketFunctions.Start(irp, out NativeIrp? request, out Irp? managedIrp) is { } refused)
        {
            return refused;
        }

        // The address must be all there: SockAddrLength covers its family's structure (16 or 28 bytes).
        if (sockAddr is null || sockAddrLength < 2
            || sockAddrLength < (*(ushort*)sockAddr == Ws2Def.AF_INET6 ? Ws2Def.SOCKADDR_IN6_SIZE : Ws2Def.SOCKADDR_IN_SIZE))
        {
            return SocketFunctions.Refuse(NativeClient.Of(client), managedIrp!, NtStatus.InvalidParameter);
        }

        var state = new NativeNameInfo(nodeName, serviceName);
        request!.WriteResult = WriteNames;
        request.ResultState = state;
        return (int)WskProvider.GetNameInfo(NativeClient.Of(client)!, NativeAddress.Read(sockAddr), state.Node, state.Service, flags,
            null, null, managedIrp!).Value;
    }
}
