using System.Net;
using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Reliability;

/// <summary>
/// A registration's event loop starts with its first connect or listen. If that start fails (the descriptor table is
/// full), the call returns a status and completes its IRP, and a later call starts the loop once descriptors are free:
/// nothing is cached. It needs a process whose loop has not started, so the test runs itself again in a child process,
/// with a real full descriptor table there (a lowered RLIMIT_NOFILE, filled).
/// </summary>
public sealed class EventLoopStartTests
{
    private const string ChildVariable = "WSKSHARP_TEST_FULL_DESCRIPTOR_TABLE";

    [Fact]
    public void A_first_connect_that_meets_a_full_descriptor_table_returns_a_status_and_a_later_connect_works()
    {
        if (Environment.GetEnvironmentVariable(ChildVariable) == "1")
        {
            RunInFreshProcess();
            return;
        }

        string name = $"{typeof(EventLoopStartTests).FullName}.{nameof(A_first_connect_that_meets_a_full_descriptor_table_returns_a_status_and_a_later_connect_works)}";
        string assembly = typeof(EventLoopStartTests).Assembly.Location;
        var (exitCode, output) = ChildProcess.Run("dotnet", [assembly, "-method", name, "-noColor"], Path.GetDirectoryName(assembly)!,
            TimeSpan.FromMinutes(3), new Dictionary<string, string?> { [ChildVariable] = "1" });
        Assert.True(exitCode == 0, output);
        Assert.Contains("Total: 1, Errors: 0, Failed: 0, Skipped: 0", output, StringComparison.Ordinal); // It ran, in the child.
    }

    private static void RunInFreshProcess()
    {
        using var client = new WskTestClient();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        SockAddr server = SockAddr.FromEndPoint((IPEndPoint)listener.LocalEndpoint);
        WskSocket warm = client.CreateBoundSocket(); // Loads and runs the socket path once, before the table is full.
        Assert.Equal(NtStatus.Success, WskTestClient.Connection(warm).Basic.WskCloseSocket(warm, new Irp()));

        WskSocket socket;
        var probe = new IrpProbe();
        NtStatus returned;
        List<SafeFileHandle> held = FillDescriptorTable();
        try
        {
            held[^1].Dispose(); // One descriptor left: the socket takes it, the event loop's epoll finds none.
            socket = client.CreateBoundSocket();
            returned = WskTestClient.Connection(socket).WskConnectEx(socket, server, new WskBuf(new Mdl(new byte[] { 1 })), 0, probe.Irp);
        }
        finally
        {
            foreach (SafeFileHandle handle in held)
            {
                handle.Dispose();
            }
        }

        Assert.Equal(NtStatus.TooManyOpenedFiles, returned);
        Assert.False(probe.Irp.IsPending);
        Assert.Equal((1, NtStatus.TooManyOpenedFiles), (probe.Count, probe.Irp.IoStatus.Status));

        // Descriptors are free again: the loop starts now, for connects and listens alike.
        WskSocket again = client.CreateBoundSocket();
        var irp = new Irp();
        Assert.Equal(NtStatus.Success, WskTestClient.Complete(WskTestClient.Connection(again).WskConnectEx(again, server, null, 0, irp), irp).GetAwaiter().GetResult());
        var (_, address) = client.CreateListener();
        Assert.NotEqual(0, address.Port);
    }

    /// <summary>Lowers this (child) process's soft descriptor limit a little above what is open, then opens /dev/null until
    /// the table is full; returns what it opened.</summary>
    private static List<SafeFileHandle> FillDescriptorTable()
    {
        ulong open = (ulong)Directory.GetFiles("/proc/self/fd").Length;
        ProcessResources.LowerDescriptorLimit(open + 64);
        var held = new List<SafeFileHandle>();
        try
        {
            while (true)
            {
                held.Add(File.OpenHandle("/dev/null"));
            }
        }
        catch (IOException)
        {
            // EMFILE: full.
        }

        Assert.NotEmpty(held);
        return held;
    }
}
