using System.CommandLine;
using System.Globalization;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using Spectre.Console;
using WskSharp.Lab;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Cli;

/// <summary>
/// <c>wsk info</c>: what this machine offers WskSharp: the kernel, <c>net.ipv4.tcp_fastopen</c> decoded, whether the
/// kernel knows <c>TCP_FASTOPEN_CONNECT</c>, whether a WSK client registers, and what the lab needs (root, <c>ip</c> for
/// namespaces, tcpdump for wire captures). Reads only; changes nothing.
/// </summary>
internal static class InfoCommand
{
    /// <summary><c>net.ipv4.tcp_fastopen</c>'s bits, as the kernel's ip-sysctl documentation names them.</summary>
    private static readonly (int Bit, string Meaning)[] FastOpenBits =
    [
        (0x1, "client: send data in the SYN when a cookie is cached"),
        (0x2, "server: accept data in the SYN on listeners with TCP_FASTOPEN"),
        (0x4, "client: send data in the SYN without a cookie"),
        (0x200, "server: accept data in the SYN without a cookie"),
        (0x400, "server: Fast Open on every listener, without TCP_FASTOPEN"),
    ];

    /// <summary>Linux <c>TCP_FASTOPEN_CONNECT</c>.</summary>
    private const int TcpFastOpenConnect = 30;

    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table." };
        var command = new Command("info", "Show what this machine offers: kernel, net.ipv4.tcp_fastopen decoded, TCP_FASTOPEN_CONNECT, WSK registration, namespaces, root, tcpdump.")
        {
            json,
        };
        command.SetAction(parse => Run(parse.GetValue(json)));
        return command;
    }

    private sealed record Info(string WskSharp, string Runtime, string Kernel, int? TcpFastOpen, string[] TcpFastOpenBits,
        bool FastOpenConnect, string FastOpenConnectDetail, string WskRegistration, bool Root, bool Namespaces, string? NamespacesWhyNot,
        string? Tcpdump);

    private static int Run(bool json)
    {
        Info info = Gather();
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(new
            {
                wsksharp = info.WskSharp,
                runtime = info.Runtime,
                kernel = info.Kernel,
                tcpFastopen = info.TcpFastOpen,
                tcpFastopenBits = info.TcpFastOpenBits,
                tcpFastopenConnect = info.FastOpenConnect,
                tcpFastopenConnectDetail = info.FastOpenConnectDetail,
                wskRegistration = info.WskRegistration,
                root = info.Root,
                namespaces = info.Namespaces,
                namespacesWhyNot = info.NamespacesWhyNot,
                tcpdump = info.Tcpdump,
            }));
            return 0;
        }

        var table = new Table().AddColumns("", "this machine");
        table.AddRow("WskSharp", Markup.Escape(info.WskSharp));
        table.AddRow(".NET", Markup.Escape(info.Runtime));
        table.AddRow("kernel", Markup.Escape(info.Kernel));
        table.AddRow("net.ipv4.tcp_fastopen", info.TcpFastOpen is { } value
            ? Markup.Escape($"{value} (0x{value:X}): " + (info.TcpFastOpenBits.Length == 0 ? "off" : string.Join("; ", info.TcpFastOpenBits)))
            : "[yellow]unknown (no /proc/sys/net/ipv4/tcp_fastopen)[/]");
        table.AddRow("TCP_FASTOPEN_CONNECT", info.FastOpenConnect ? "[green]available[/]" : $"[yellow]not available[/] ({Markup.Escape(info.FastOpenConnectDetail)})");
        table.AddRow("WSK registration", Markup.Escape(info.WskRegistration));
        table.AddRow("root", info.Root ? "[green]yes[/]" : "no (namespaces and the demo need it)");
        table.AddRow("network namespaces", info.Namespaces ? "[green]available[/] (root + ip)" : $"[yellow]no[/]: {Markup.Escape(info.NamespacesWhyNot ?? "")}");
        table.AddRow("tcpdump", info.Tcpdump is { } tcpdump ? Markup.Escape(tcpdump) : "[yellow]not installed[/] (apt-get install tcpdump: wire captures)");
        AnsiConsole.Write(table);
        if ((info.TcpFastOpen & 0x2) == 0 && info.Namespaces)
        {
            AnsiConsole.MarkupLine("This namespace's server bit (0x2) is off: [cyan]wsk demo[/] makes a namespace of its own with Fast Open on (3) inside it only.");
        }

        return 0;
    }

    private static Info Gather()
    {
        string version = typeof(WskApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? typeof(WskApi).Assembly.GetName().Version?.ToString() ?? "?";
        string kernel = ReadProc("/proc/sys/kernel/osrelease") ?? RuntimeInformation.OSDescription;
        int? fastOpen = int.TryParse(ReadProc("/proc/sys/net/ipv4/tcp_fastopen"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : null;
        string[] bits = fastOpen is { } set ? [.. FastOpenBits.Where(b => (set & b.Bit) != 0).Select(b => $"0x{b.Bit:X} {b.Meaning}")] : [];
        (bool connect, string connectDetail) = ProbeFastOpenConnect();
        string? whyNot = NetworkNamespace.WhyNot;
        return new Info(version, RuntimeInformation.FrameworkDescription, kernel, fastOpen, bits, connect, connectDetail, ProbeWsk(),
            Environment.IsPrivilegedProcess, whyNot is null, whyNot, SynCapture.TcpdumpPath);
    }

    private static string? ReadProc(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>setsockopt(IPPROTO_TCP, TCP_FASTOPEN_CONNECT, 1) on a throwaway socket: the kernel says whether it knows the option.</summary>
    private static (bool Available, string Detail) ProbeFastOpenConnect()
    {
        if (!OperatingSystem.IsLinux())
        {
            return (false, "not Linux");
        }

        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.SetRawSocketOption((int)SocketOptionLevel.Tcp, TcpFastOpenConnect, BitConverter.GetBytes(1));
            return (true, "setsockopt(TCP_FASTOPEN_CONNECT = 30) accepted");
        }
        catch (SocketException ex)
        {
            return (false, $"setsockopt(TCP_FASTOPEN_CONNECT = 30): {ex.SocketErrorCode}");
        }
    }

    /// <summary>WskRegister + WskCaptureProviderNPI + a socket, then everything undone: does the provider work here?</summary>
    private static string ProbeWsk()
    {
        NtStatus status = WskApi.WskRegister(new WskClientNpi(null, new WskClientDispatch(WskConstants.WSK_V1_0)), out WskRegistration? registration);
        if (!status.IsSuccess)
        {
            return $"WskRegister failed: {status}";
        }

        try
        {
            status = WskApi.WskCaptureProviderNPI(registration!, WskConstants.WSK_NO_WAIT, out WskProviderNpi? npi);
            if (!status.IsSuccess)
            {
                return $"WskCaptureProviderNPI failed: {status}";
            }

            try
            {
                var irp = new Irp();
                status = npi!.Dispatch.WskSocket(npi.Client, Ws2Def.AF_INET, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP,
                    WskConstants.WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, irp);
                if (!status.IsSuccess)
                {
                    return $"WskSocket failed: {status}";
                }

                var socket = (WskSocket)irp.IoStatus.Pointer!;
                ((WskProviderBasicDispatch)socket.Dispatch).WskCloseSocket(socket, irp);
                return $"ok: WSK {npi.Dispatch.Version >> 8}.{npi.Dispatch.Version & 0xFF} (a socket made and closed)";
            }
            finally
            {
                WskApi.WskReleaseProviderNPI(registration!);
            }
        }
        finally
        {
            WskApi.WskDeregister(registration!);
        }
    }
}
