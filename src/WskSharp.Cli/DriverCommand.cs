using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace WskSharp.Cli;

/// <summary>
/// <c>wsk driver run ./driver.so [--seconds N]</c>: the driver host. Loads a driver built against WskSharp's native face
/// (<c>native/build.sh</c>; the driver links <c>libwsksharp.so</c>), calls <c>DriverEntry(DriverObject, RegistryPath)</c>
/// as the I/O manager does, then on SIGINT/SIGTERM or after N seconds its <c>DriverUnload</c>, and prints the verifier's
/// report of what the driver must not leave behind (pool, threads, timers, work items, lookaside lists, devices, and any
/// misuse recorded while it ran).
/// </summary>
/// <remarks>Exit status (<see cref="ExitCodes"/>): 0 when the report is clean; 1 when it lists problems (or DriverEntry
/// failed); 2 when the driver cannot be loaded or has no <c>DriverEntry</c>, reported in the tool's one line.</remarks>
internal static class DriverCommand
{
    // DRIVER_OBJECT (0x150 bytes, Windows x64): the fields the I/O manager fills and the driver reads or writes.
    private const int DriverObjectSize = 0x150;
    private const int DriverExtensionOffset = 0x30;
    private const int DriverNameOffset = 0x38;
    private const int DriverInitOffset = 0x58;
    private const int DriverUnloadOffset = 0x68;
    private const short IoTypeDriver = 4;
    private const int DriverExtensionSize = 0x28; // DriverObject, AddDevice, Count, ServiceKeyName
    private const int ReportSize = 64 * 1024;

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int DriverInitialize(nint driverObject, nint registryPath);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void DriverUnload(nint driverObject);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate uint VerifierReport(nint buffer, nuint size);

    public static Command Create()
    {
        var path = new Argument<FileInfo>("driver") { Description = "The driver: a shared object (gcc -shared -fPIC ... $(pkg-config --cflags --libs wsksharp)) that defines DriverEntry." };
        var seconds = new Option<int?>("--seconds") { Description = "Unload after this many seconds (default: on SIGINT or SIGTERM)." };
        var run = new Command("run", "Load a driver, call DriverEntry, then DriverUnload on SIGINT/SIGTERM or after --seconds; report what it left behind.")
        {
            path,
            seconds,
        };
        run.SetAction(parse => Run(parse.GetValue(path)!, parse.GetValue(seconds)));
        return new Command("driver", "Run WSK client drivers written in C (the native face: native/build.sh).") { run };
    }

    private static int Run(FileInfo driver, int? seconds)
    {
        nint library;
        try
        {
            library = NativeLibrary.Load(driver.FullName);
        }
        catch (Exception ex) when (ex is DllNotFoundException or BadImageFormatException)
        {
            // The loader's own words (dlerror, the message's last line) say why: no such file, not an ELF object, a
            // missing libwsksharp.so. The lines before it are .NET's general advice.
            string why = ex.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
            throw CliError.Usage($"loading {driver.FullName}", $"failed: {why}",
                "give a shared object built with gcc -shared -fPIC ... $(pkg-config --cflags --libs wsksharp) (native/build.sh installs that)");
        }

        if (!NativeLibrary.TryGetExport(library, "DriverEntry", out nint entry))
        {
            throw CliError.Usage(driver.Name, "does not export DriverEntry",
                "the native face's headers declare it exported; define NTSTATUS DriverEntry(PDRIVER_OBJECT, PUNICODE_STRING) in the driver");
        }

        string name = Path.GetFileNameWithoutExtension(driver.Name);
        nint driverObject = Marshal.AllocHGlobal(DriverObjectSize);
        nint extension = Marshal.AllocHGlobal(DriverExtensionSize);
        nint driverName = UnicodeString(@"\Driver\" + name);
        nint registryPath = UnicodeString(@"\Registry\Machine\System\CurrentControlSet\Services\" + name);
        try
        {
            Clear(driverObject, DriverObjectSize);
            Clear(extension, DriverExtensionSize);
            Marshal.WriteInt16(driverObject, 0, IoTypeDriver);
            Marshal.WriteInt16(driverObject, 2, DriverObjectSize);
            Marshal.WriteIntPtr(driverObject, DriverExtensionOffset, extension);
            Marshal.WriteIntPtr(extension, 0, driverObject);
            CopyUnicodeString(driverName, driverObject + DriverNameOffset);
            CopyUnicodeString(registryPath, extension + 0x18); // ServiceKeyName
            Marshal.WriteIntPtr(driverObject, DriverInitOffset, entry);

            int status = Marshal.GetDelegateForFunctionPointer<DriverInitialize>(entry)(driverObject, registryPath);
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wsk driver: DriverEntry returned 0x{status:X8}"));
            if (status < 0)
            {
                // A failed DriverEntry is unloaded without DriverUnload, as Windows does: it must have cleaned up itself.
                Report(library);
                return 1;
            }

            WaitForStop(seconds);
            nint unload = Marshal.ReadIntPtr(driverObject, DriverUnloadOffset);
            if (unload == 0)
            {
                Console.Out.WriteLine("wsk driver: no DriverUnload: the driver cannot be unloaded (it stays until the process ends)");
            }
            else
            {
                Marshal.GetDelegateForFunctionPointer<DriverUnload>(unload)(driverObject);
                Console.Out.WriteLine("wsk driver: DriverUnload returned");
            }

            return Report(library) == 0 ? 0 : 1;
        }
        finally
        {
            // The library stays loaded: threads the driver left running may still be in it.
            Marshal.FreeHGlobal(registryPath);
            Marshal.FreeHGlobal(driverName);
            Marshal.FreeHGlobal(extension);
            Marshal.FreeHGlobal(driverObject);
        }
    }

    private static void WaitForStop(int? seconds)
    {
        using var stop = new ManualResetEventSlim();
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        Console.Out.WriteLine(seconds is { } s
            ? string.Create(CultureInfo.InvariantCulture, $"wsk driver: running; DriverUnload in {s} s (or on SIGINT/SIGTERM)")
            : "wsk driver: running; DriverUnload on SIGINT or SIGTERM");
        Console.Out.Flush();
        if (seconds is { } limit)
        {
            stop.Wait(TimeSpan.FromSeconds(Math.Max(limit, 0)));
        }
        else
        {
            stop.Wait();
        }

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true; // The host unloads the driver and reports instead of dying.
            stop.Set();
        }
    }

    /// <summary>The verifier's report (the runtime in libwsksharp.so, found through the driver's own dependencies).</summary>
    private static uint Report(nint library)
    {
        if (!NativeLibrary.TryGetExport(library, "WskSharpVerifierReport", out nint report))
        {
            throw new CliError("the driver's libwsksharp.so", "has no verifier (WskSharpVerifierReport)",
                "link the driver with the libwsksharp.so that native/build.sh installs", ExitCodes.Failed);
        }

        nint buffer = Marshal.AllocHGlobal(ReportSize);
        try
        {
            uint problems = Marshal.GetDelegateForFunctionPointer<VerifierReport>(report)(buffer, ReportSize);
            string text = Marshal.PtrToStringUTF8(buffer) ?? "";
            Console.Out.Write(text.Length == 0 || text.EndsWith('\n') ? text : text + "\n");
            Console.Out.WriteLine(problems == 0
                ? "wsk driver: verifier: clean"
                : string.Create(CultureInfo.InvariantCulture, $"wsk driver: verifier: {problems} problem(s)"));
            return problems;
        }
        finally
        {
            Marshal.FreeHGlobal(buffer);
        }
    }

    /// <summary>A UNICODE_STRING (16 bytes: Length, MaximumLength, Buffer at 8) followed by its UTF-16 text.</summary>
    private static nint UnicodeString(string text)
    {
        byte[] utf16 = Encoding.Unicode.GetBytes(text + "\0");
        nint block = Marshal.AllocHGlobal(16 + utf16.Length);
        Marshal.WriteInt16(block, 0, (short)(utf16.Length - 2));
        Marshal.WriteInt16(block, 2, (short)utf16.Length);
        Marshal.WriteInt32(block, 4, 0);
        Marshal.WriteIntPtr(block, 8, block + 16);
        Marshal.Copy(utf16, 0, block + 16, utf16.Length);
        return block;
    }

    private static void CopyUnicodeString(nint source, nint destination)
    {
        Marshal.WriteInt64(destination, 0, Marshal.ReadInt64(source, 0));
        Marshal.WriteIntPtr(destination, 8, Marshal.ReadIntPtr(source, 8));
    }

    private static void Clear(nint block, int size)
    {
        for (int i = 0; i < size; i += 8)
        {
            Marshal.WriteInt64(block, i, 0);
        }
    }
}
