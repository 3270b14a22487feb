using WskSharp.FastOpen;
using WskSharp.Nt;
using WskSharp.Ws2;

namespace WskSharp.Wsk;

#pragma warning disable CA1707 // Control code names follow the SIO_* convention.

/// <summary>
/// Typed helpers over <c>WskControlSocket</c> for Fast Open: turn it on before WskConnectEx, and read the report of
/// what happened afterwards. Both go through the socket's own dispatch, as any WSK client would.
/// </summary>
public static class WskFastOpen
{
    /// <summary>
    /// WskSharp's I/O control (<c>_WSAIOR(IOC_VENDOR, 0x5701)</c>): <c>WskControlSocket(WskIoctl, this code, level 0)</c>
    /// writes a <see cref="WskFastOpenReport"/> of <see cref="WskFastOpenReport.Size"/> bytes into the output buffer.
    /// </summary>
    public const uint SIO_WSKSHARP_FASTOPEN_REPORT = 0x58005701;

    /// <summary>Sets <see cref="Ws2Def.TCP_FASTOPEN"/> on (or off) through <c>WskControlSocket(WskSetOption)</c>.</summary>
    public static NtStatus Enable(WskSocket socket, bool on = true)
    {
        Span<byte> value = stackalloc byte[4];
        value[0] = on ? (byte)1 : (byte)0;
        return WskProvider.ControlSocket(socket, WskControlSocketType.WskSetOption, Ws2Def.TCP_FASTOPEN, Ws2Def.IPPROTO_TCP,
            4, value, 0, default, out _, null);
    }

    /// <summary>Reads the Fast Open report of the socket's WskConnectEx through <c>WskControlSocket(WskIoctl)</c>.</summary>
    public static NtStatus QueryReport(WskSocket socket, out WskFastOpenReport report)
    {
        Span<byte> output = stackalloc byte[WskFastOpenReport.Size];
        NtStatus status = WskProvider.ControlSocket(socket, WskControlSocketType.WskIoctl, SIO_WSKSHARP_FASTOPEN_REPORT, 0,
            0, default, WskFastOpenReport.Size, output, out _, null);
        report = status.IsSuccess ? WskFastOpenReport.Read(output) : default;
        return status;
    }
}
