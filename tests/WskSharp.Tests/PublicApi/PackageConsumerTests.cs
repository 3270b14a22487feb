namespace WskSharp.Tests.PublicApi;

/// <summary>
/// The packages as a new user's projects take them: a console app and an ASP.NET Core app, each a project of its own
/// outside the repository (no Directory.Build.props, no project references), restored offline from the folder
/// <c>dotnet pack</c> wrote into a packages folder of the test's own, built and run. The console app catches a refused
/// connect as the <c>SocketException</c> it is and gets the platform analyzer's warning (CA1416) where it calls WskSharp
/// without a Linux guard; the web app uses <c>services.AddWsk</c>, the HttpClient builder and Kestrel extensions.
/// </summary>
[Collection(PackagesCollection.Name)]
public sealed class PackageConsumerTests(PackagingTests.Packs packs)
{
    [Fact]
    public void A_new_console_app_and_a_new_ASP_NET_Core_app_build_and_run_on_the_packages_from_the_local_feed()
    {
        packs.Require();
        PackagingTests.Packs.Consumers apps = packs.BuildConsumers();

        // CA1416 where WskSharp is called with nothing saying the code runs on Linux only; none behind OperatingSystem.IsLinux()
        // nor in the web app, whose assembly says it is Linux-only (what the package README advises).
        Assert.True(apps.Build.ExitCode == 0, $"dotnet build of the consumer apps exited {apps.Build.ExitCode}:\n{apps.Build.Output}");
        string[] ca1416 = [.. apps.Build.Output.Split('\n').Where(l => l.Contains("warning CA1416", StringComparison.Ordinal)).Distinct()];
        Assert.True(ca1416.Length > 0, $"no CA1416 warning for the unguarded call:\n{apps.Build.Output}");
        Assert.All(ca1416, l => Assert.Contains("Unguarded.cs", l, StringComparison.Ordinal));
        Assert.Contains(ca1416, l => l.Contains("'linux'", StringComparison.Ordinal));

        var console = apps.Run("console");
        Assert.True(console.ExitCode == 0, $"the console app exited {console.ExitCode}:\n{console.Output}");
        Assert.Contains("refused: caught SocketException ConnectionRefused (WskException, STATUS_CONNECTION_REFUSED)", console.Output, StringComparison.Ordinal);
        Assert.Contains("echo: hello", console.Output, StringComparison.Ordinal);

        var web = apps.Run("web");
        Assert.True(web.ExitCode == 0, $"the web app exited {web.ExitCode}:\n{web.Output}");
        foreach (string check in new[]
        {
            "ok: one WskNetProvider per container",
            "ok: options through IOptions<WskOptions>",
            "ok: the container's ILoggerFactory",
            "ok: Kestrel's UseWskFastOpen adds the provider",
            "ok: HttpClient with UseWskConnectEx connects through the container's provider",
            "ok: disposed with the container",
        })
        {
            Assert.Contains(check, web.Output, StringComparison.Ordinal);
        }
    }
}
