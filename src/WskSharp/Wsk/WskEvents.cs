using WskSharp.Nt;
using WskSharp.Ws2;

namespace WskSharp.Wsk;

/// <summary>Typed helper over <c>WskControlSocket(SO_WSK_EVENT_CALLBACK)</c>: enables or disables a socket's event callbacks.</summary>
public static class WskEvents
{
    /// <summary>Enables the events in <paramref name="eventMask"/> (WSK_EVENT_*), or disables them when it includes
    /// <see cref="WskConstants.WSK_EVENT_DISABLE"/>. The callbacks are the client dispatch given when the socket was made.</summary>
    public static NtStatus Enable(WskSocket socket, uint eventMask)
    {
        Span<byte> input = stackalloc byte[WskEventCallbackControl.Size];
        new WskEventCallbackControl(WskEventCallbackControl.NPI_WSK_INTERFACE_ID, eventMask).WriteTo(input);
        return WskProvider.ControlSocket(socket, WskControlSocketType.WskSetOption, Ws2Def.SO_WSK_EVENT_CALLBACK, Ws2Def.SOL_SOCKET,
            (nuint)input.Length, input, 0, default, out _, null);
    }
}
