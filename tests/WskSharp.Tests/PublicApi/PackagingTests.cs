using System.IO.Compression;
using System.Reflection;
using System.Text.Json;
using System.Xml.Linq;

namespace WskSharp.Tests.PublicApi;

/// <summary>The tests that share one <c>dotnet pack</c> of the solution (<see cref="PackagingTests.Packs"/>).</summary>
[CollectionDefinition(Name)]
public sealed class PackagesCollection : ICollectionFixture<PackagingTests.Packs>
{
    public const string Name = "packages";
}

/// <summary>
/// <c>dotnet pack</c> makes the WskSharp package (README, XML docs, MIT licence expression, a symbols package) and the
/// <c>wsk</c> .NET tool, which installs into a fresh tool path from a local folder only (offline) and runs <c>wsk info</c>.
/// Skips, saying why, only where no dotnet CLI can be found.
/// </summary>
[Collection(PackagesCollection.Name)]
public sealed class PackagingTests(PackagingTests.Packs packs)
{
    /// <summary>Packs the solution once for the collection, into a temporary folder removed afterwards; installs the tool
    /// and builds the consumer apps from there once, when a test first asks.</summary>
    public sealed class Packs : IDisposable
    {
        private readonly Lazy<(int ExitCode, string Output)> _install;
        private readonly Lazy<Consumers> _consumers;

        public Packs()
        {
            Dotnet = FindDotnet();
            Root = Net.ReadmeExampleTests.RepositoryRoot();
            Folder = Path.Combine(Path.GetTempPath(), $"wsksharp-pack-{Environment.ProcessId}-{Guid.NewGuid():N}");
            Directory.CreateDirectory(Folder);
            Output = Path.Combine(Folder, "packages");
            ToolPath = Path.Combine(Folder, "tools");
            _install = new(InstallTool);
            _consumers = new(BuildConsumersOnce);
            if (Dotnet is null)
            {
                return;
            }

            // With the solution built in this configuration (tools/test.sh builds it first), pack what was built; otherwise
            // let pack build the tool (and what it needs) itself.
            string configuration = Configuration;
            bool built = File.Exists(Path.Combine(Root, "src", "WskSharp.Cli", "bin", configuration, "net10.0", "wsk.dll"));
            foreach (string project in new[] { "src/WskSharp/WskSharp.csproj", "src/WskSharp.AspNetCore/WskSharp.AspNetCore.csproj", "src/WskSharp.Cli/WskSharp.Cli.csproj" })
            {
                List<string> args = ["pack", Path.Combine(Root, project), "-c", configuration, "-o", Output, "-nologo", "--disable-build-servers", "-nodeReuse:false"];
                if (built)
                {
                    args.Add("--no-build");
                }

                PackLog += Run(Dotnet, args, Folder, TimeSpan.FromSeconds(240)).Output;
            }
        }

        /// <summary>The consumer apps' build and a way to run each (<c>console</c>, <c>web</c>).</summary>
        public sealed record Consumers((int ExitCode, string Output) Build, Func<string, (int ExitCode, string Output)> Run);

        public string? Dotnet { get; }

        public string Root { get; }

        public string Folder { get; }

        public string Output { get; }

        public string PackLog { get; } = "";

        public static string Configuration =>
            typeof(Packs).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

        /// <summary>The fresh tool path <c>wsk</c> is installed into (<see cref="InstallTool"/>).</summary>
        public string ToolPath { get; }

        /// <summary>The installed tool's command: <c>TOOLPATH/wsk</c>.</summary>
        public string InstalledWsk => Path.Combine(ToolPath, "wsk");

        /// <summary><c>dotnet tool install --tool-path TOOLPATH wsk</c> from the local folder only, once.</summary>
        public (int ExitCode, string Output) Install => _install.Value;

        /// <summary>Runs the installed tool as a user would; a hang is a failure of its own (exit -1).</summary>
        public (int ExitCode, string Output) RunInstalled(IReadOnlyList<string> args, IReadOnlyDictionary<string, string?>? environment = null)
        {
            Assert.True(Install.ExitCode == 0, $"dotnet tool install exited {Install.ExitCode}:\n{Install.Output}");
            var merged = new Dictionary<string, string?>(environment ?? new Dictionary<string, string?>());
            return Run(InstalledWsk, args, Folder, TimeSpan.FromSeconds(60), merged);
        }

        /// <summary>The console and web apps of <see cref="ConsumerApps"/>, restored from the local folder and built, once.</summary>
        public Consumers BuildConsumers() => _consumers.Value;

        private (int ExitCode, string Output) InstallTool()
        {
            // Offline: a NuGet config whose only source is the folder pack wrote, and a packages folder of the test's own.
            string config = Path.Combine(Folder, "nuget.config");
            File.WriteAllText(config, $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="local" value="{Output}" />
                  </packageSources>
                </configuration>
                """);
            return Run(Dotnet!, ["tool", "install", "--tool-path", ToolPath, "--configfile", config, "--add-source", Output,
                "--ignore-failed-sources", "wsk", "--version", "0.1.0"], Folder, TimeSpan.FromSeconds(120));
        }

        private Consumers BuildConsumersOnce()
        {
            string apps = Path.Combine(Folder, "apps");
            string solution = ConsumerApps.Write(apps);
            // Offline too: WskSharp's packages only from the folder pack wrote (never a stale 0.1.0 from elsewhere); their
            // dependencies (Microsoft.Extensions.*) from the machine's own packages folder, which the repository's build filled.
            string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            string machine = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } set ? set : Path.Combine(home, ".nuget", "packages");
            File.WriteAllText(Path.Combine(apps, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="local" value="{Output}" />
                    <add key="machine" value="{machine}" />
                  </packageSources>
                  <packageSourceMapping>
                    <packageSource key="local">
                      <package pattern="WskSharp*" />
                    </packageSource>
                    <packageSource key="machine">
                      <package pattern="*" />
                    </packageSource>
                  </packageSourceMapping>
                </configuration>
                """);
            var environment = new Dictionary<string, string?> { ["NUGET_PACKAGES"] = Path.Combine(Folder, "nuget-packages") };
            var build = Run(Dotnet!, ["build", solution, "-c", "Release", "-nologo", "--disable-build-servers", "-nodeReuse:false", "-v", "q", "-clp:NoSummary"],
                apps, TimeSpan.FromSeconds(240), environment);
            return new Consumers(build, app => Run(Dotnet!, [Path.Combine(apps, app, "bin", "Release", "net10.0", $"{app}.dll")], apps, TimeSpan.FromSeconds(60)));
        }

        public void Require()
        {
            if (Dotnet is null)
            {
                Assert.Skip("No dotnet CLI found (not on PATH, nor in /usr/share/dotnet, /usr/lib/dotnet or ~/.dotnet): packaging needs it.");
            }
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    [Fact]
    public void The_library_package_carries_the_README_the_XML_docs_the_MIT_licence_and_a_symbols_package()
    {
        packs.Require();
        string nupkg = Path.Combine(packs.Output, "WskSharp.0.1.0.nupkg");
        Assert.True(File.Exists(nupkg), $"no {nupkg}; dotnet pack said:\n{packs.PackLog}");
        Assert.True(File.Exists(Path.Combine(packs.Output, "WskSharp.0.1.0.snupkg")), "no symbols package (snupkg)");

        using ZipArchive zip = ZipFile.OpenRead(nupkg);
        string[] entries = [.. zip.Entries.Select(e => e.FullName)];
        Assert.Contains("README.md", entries);
        Assert.Contains("lib/net10.0/WskSharp.dll", entries);
        Assert.Contains("lib/net10.0/WskSharp.xml", entries);

        using Stream nuspecStream = zip.Entries.Single(e => e.FullName == "WskSharp.nuspec").Open();
        XElement metadata = XDocument.Load(nuspecStream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string Value(string name) => metadata.Elements().Single(e => e.Name.LocalName == name).Value;
        Assert.Equal("WskSharp", Value("id"));
        Assert.Equal("0.1.0", Value("version"));
        Assert.Equal("MIT", Value("license"));
        Assert.Equal("README.md", Value("readme"));

        using ZipArchive symbols = ZipFile.OpenRead(Path.Combine(packs.Output, "WskSharp.0.1.0.snupkg"));
        Assert.Contains("lib/net10.0/WskSharp.pdb", symbols.Entries.Select(e => e.FullName));
    }

    [Theory]
    [InlineData("WskSharp")]
    [InlineData("WskSharp.AspNetCore")]
    [InlineData("wsk")]
    public void Each_package_says_where_it_comes_from_and_carries_a_README_for_package_users(string id)
    {
        packs.Require();
        string nupkg = Path.Combine(packs.Output, $"{id}.0.1.0.nupkg");
        Assert.True(File.Exists(nupkg), $"no {nupkg}; dotnet pack said:\n{packs.PackLog}");
        using ZipArchive zip = ZipFile.OpenRead(nupkg);
        using Stream nuspecStream = zip.Entries.Single(e => e.FullName == $"{id}.nuspec").Open();
        XElement metadata = XDocument.Load(nuspecStream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        XElement? Element(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name);
        string Value(string name) => Element(name)?.Value ?? "";

        Assert.StartsWith("https://", Value("projectUrl"), StringComparison.Ordinal);
        XElement repository = Element("repository") ?? throw new Xunit.Sdk.XunitException($"{id}: no <repository> in the nuspec");
        Assert.Equal("git", repository.Attribute("type")?.Value);
        Assert.StartsWith("https://", repository.Attribute("url")?.Value, StringComparison.Ordinal);
        Assert.Matches("^[0-9a-f]{40}$", repository.Attribute("commit")?.Value ?? "");
        Assert.Contains("WskSharp contributors", Value("copyright"), StringComparison.Ordinal);
        Assert.Contains("fastopen", Value("tags").Split(' '));
        Assert.False(string.IsNullOrWhiteSpace(Value("releaseNotes")), $"{id}: no release notes");
        Assert.Equal("README.md", Value("readme"));

        // The package's own README: for someone who installs it, not the repository's (root-only set-up, benchmark tables).
        using var reader = new StreamReader(zip.Entries.Single(e => e.FullName == "README.md").Open());
        string readme = reader.ReadToEnd();
        Assert.Contains(id == "wsk" ? "dotnet tool install -g wsk" : "dotnet add package WskSharp", readme, StringComparison.Ordinal);
        Assert.DoesNotContain("tools/setup.sh", readme, StringComparison.Ordinal);
        Assert.DoesNotContain("## Benchmarks", readme, StringComparison.Ordinal);
        foreach (System.Text.RegularExpressions.Match link in System.Text.RegularExpressions.Regex.Matches(readme, @"\]\(([^)]+)\)|<(https?:[^>]+)>"))
        {
            string target = link.Groups[1].Success ? link.Groups[1].Value : link.Groups[2].Value;
            Assert.True(target.StartsWith("https://", StringComparison.Ordinal), $"{id}'s README links to '{target}', which does not work outside the repository");
        }
    }

    [Theory]
    [InlineData("WskSharp.0.1.0.snupkg", "lib/net10.0/WskSharp.pdb")]
    [InlineData("WskSharp.AspNetCore.0.1.0.snupkg", "lib/net10.0/WskSharp.AspNetCore.pdb")]
    [InlineData("wsk.0.1.0.nupkg", "tools/net10.0/any/wsk.pdb")]
    [InlineData("wsk.0.1.0.nupkg", "tools/net10.0/any/WskSharp.pdb")]
    public void The_symbols_carry_no_path_of_the_build_machine_and_Source_Link_to_the_commit_they_were_built_from(string package, string entry)
    {
        packs.Require();
        Assert.SkipUnless(Packs.Configuration == "Release", "Deterministic source paths are a Release (and CI) setting.");
        using ZipArchive zip = ZipFile.OpenRead(Path.Combine(packs.Output, package));
        using var pdb = new MemoryStream();
        ZipArchiveEntry found = zip.GetEntry(entry) ?? throw new Xunit.Sdk.XunitException(
            $"no {entry} in {package}: {string.Join(", ", zip.Entries.Select(e => e.FullName))}");
        using (Stream stream = found.Open())
        {
            stream.CopyTo(pdb);
        }

        pdb.Position = 0;
        using var provider = System.Reflection.Metadata.MetadataReaderProvider.FromPortablePdbStream(pdb);
        System.Reflection.Metadata.MetadataReader reader = provider.GetMetadataReader();
        string[] documents = [.. reader.Documents.Select(h => reader.GetString(reader.GetDocument(h).Name))];
        Assert.NotEmpty(documents);
        Assert.All(documents, d => Assert.StartsWith("/_/", d, StringComparison.Ordinal));
        Assert.DoesNotContain(documents, d => d.Contains(packs.Root, StringComparison.Ordinal));

        // Source Link (its custom debug information on the module): /_/* maps to the repository's raw files at the commit
        // the nuspec names, so a debugger fetches the very sources, even where the checkout has no git remote.
        var sourceLinkKind = new Guid("CC110556-A091-4D38-9FEC-25AB9A351A6A");
        string? json = reader.GetCustomDebugInformation(System.Reflection.Metadata.EntityHandle.ModuleDefinition)
            .Select(reader.GetCustomDebugInformation)
            .Where(c => reader.GetGuid(c.Kind) == sourceLinkKind)
            .Select(c => System.Text.Encoding.UTF8.GetString(reader.GetBlobBytes(c.Value)))
            .SingleOrDefault();
        Assert.True(json is not null, $"{entry} in {package} has no Source Link");
        using JsonDocument map = JsonDocument.Parse(json);
        JsonProperty root = Assert.Single(map.RootElement.GetProperty("documents").EnumerateObject());
        Assert.Equal("/_/*", root.Name);
        Assert.Matches("^https://raw\\.githubusercontent\\.com/wsksharp/WskSharp/[0-9a-f]{40}/\\*$", root.Value.GetString());
    }

    [Fact]
    public void Every_shipped_assembly_is_marked_Linux_only_for_the_platform_analyzer()
    {
        foreach (Assembly assembly in new[] { typeof(WskSharp.Wsk.WskApi).Assembly, typeof(WskSharp.AspNetCore.WskKestrelExtensions).Assembly, typeof(WskSharp.Lab.NetworkNamespace).Assembly })
        {
            var platforms = assembly.GetCustomAttributes<System.Runtime.Versioning.SupportedOSPlatformAttribute>().Select(a => a.PlatformName);
            Assert.Equal(["linux"], platforms);
        }
    }

    [Fact]
    public void The_wsk_tool_installs_into_a_fresh_tool_path_from_the_local_folder_and_wsk_info_runs()
    {
        packs.Require();
        Assert.True(File.Exists(Path.Combine(packs.Output, "wsk.0.1.0.nupkg")), $"no wsk.0.1.0.nupkg; dotnet pack said:\n{packs.PackLog}");

        var install = packs.Install;
        Assert.True(install.ExitCode == 0, $"dotnet tool install exited {install.ExitCode}:\n{install.Output}");

        string wsk = packs.InstalledWsk;
        Assert.True(File.Exists(wsk), $"no {wsk} after the install:\n{install.Output}");
        var table = Run(wsk, ["info"], packs.Folder, TimeSpan.FromSeconds(60));
        Assert.True(table.ExitCode == 0, $"wsk info exited {table.ExitCode}:\n{table.Output}");
        Assert.Contains("net.ipv4.tcp_fastopen", table.Output, StringComparison.Ordinal);

        var json = Run(wsk, ["info", "--json"], packs.Folder, TimeSpan.FromSeconds(60));
        Assert.True(json.ExitCode == 0, $"wsk info --json exited {json.ExitCode}:\n{json.Output}");
        using JsonDocument doc = JsonDocument.Parse(json.Output);
        JsonElement info = doc.RootElement;
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/osrelease").Trim(), info.GetProperty("kernel").GetString());
        Assert.Equal(int.Parse(File.ReadAllText("/proc/sys/net/ipv4/tcp_fastopen").Trim(), System.Globalization.CultureInfo.InvariantCulture),
            info.GetProperty("tcpFastopen").GetInt32());
        Assert.StartsWith("ok", info.GetProperty("wskRegistration").GetString(), StringComparison.Ordinal);
        Assert.Equal(Environment.IsPrivilegedProcess, info.GetProperty("root").GetBoolean());

        // What the installed tool offers: lab (its script rides in the package), not bench (it needs a checkout).
        var help = Run(wsk, ["--help"], packs.Folder, TimeSpan.FromSeconds(60));
        Assert.True(help.ExitCode == 0, $"wsk --help exited {help.ExitCode}:\n{help.Output}");
        string[] commands = [.. help.Output.Split('\n').Select(l => l.Trim()).SkipWhile(l => l != "Commands:").Skip(1).Select(l => l.Split(' ')[0])];
        Assert.Contains("lab", commands);
        Assert.DoesNotContain("bench", commands);
        Assert.Contains("Exit codes", help.Output, StringComparison.Ordinal);
        using (ZipArchive tool = ZipFile.OpenRead(Path.Combine(packs.Output, "wsk.0.1.0.nupkg")))
        {
            Assert.Contains("tools/net10.0/any/tools/lab/lab.sh", tool.Entries.Select(e => e.FullName));
        }

        // The installed tool's errors are its one line too (an endpoint by name, resolved by WskGetAddressInfo).
        var refused = Run(wsk, ["connect", "localhost:1"], packs.Folder, TimeSpan.FromSeconds(60));
        Assert.True(refused.ExitCode == 3, $"wsk connect localhost:1 exited {refused.ExitCode}:\n{refused.Output}");
        Assert.StartsWith("wsk connect: WskConnectEx to 127.0.0.1:1 failed with STATUS_CONNECTION_REFUSED", refused.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_installed_tool_brings_a_lab_up_and_down_with_the_script_in_its_package()
    {
        packs.Require();
        Assert.SkipWhen(Lab.LabNetwork.WhyNot is { } why, $"wsk lab needs root, iproute2 and /dev/net/tun: {Lab.LabNetwork.WhyNot}");
        Assert.SkipWhen(!OnPath("gcc"), "wsk lab builds its delay line with gcc, which is not installed (bash tools/setup.sh installs it).");
        string name = $"i17{Environment.ProcessId % 100_000}";
        try
        {
            var up = packs.RunInstalled(["lab", "up", "--name", name, "--max-seconds", "120"]);
            Assert.True(up.ExitCode == 0, $"wsk lab up exited {up.ExitCode}:\n{up.Output}");
            // The delay line was built beside the script the package carries, not in a checkout.
            Assert.True(File.Exists(Path.Combine(packs.ToolPath, ".store", "wsk", "0.1.0", "wsk", "0.1.0", "tools", "net10.0", "any", "tools", "lab", "bin", "delayline")),
                $"no delay line built in the installed tool's own tools/lab:\n{up.Output}");
            var status = packs.RunInstalled(["lab", "status", "--name", name]);
            Assert.True(status.ExitCode == 0, $"wsk lab status exited {status.ExitCode}:\n{status.Output}");
            Assert.Contains($"{name}-c", status.Output, StringComparison.Ordinal);
        }
        finally
        {
            var down = packs.RunInstalled(["lab", "down", "--name", name]);
            Assert.True(down.ExitCode == 0, $"wsk lab down exited {down.ExitCode}:\n{down.Output}");
        }

        var gone = packs.RunInstalled(["lab", "status", "--name", name]);
        Assert.True(gone.ExitCode == 4, $"wsk lab status of a lab that is down exited {gone.ExitCode}, not 4 (set-up):\n{gone.Output}");
    }

    [Fact]
    public void The_installed_tool_s_hint_without_root_names_the_command_the_user_ran_by_its_path()
    {
        packs.Require();
        Assert.SkipUnless(Environment.IsPrivilegedProcess && File.Exists("/usr/bin/setpriv"), "Running the tool as another user needs root and setpriv.");
        Assert.True(packs.Install.ExitCode == 0, $"dotnet tool install exited {packs.Install.ExitCode}:\n{packs.Install.Output}");
        // As nobody, without root: ~/.dotnet/tools (here the fresh tool path) is not on root's PATH, so the hint names the path.
        var (exit, output) = Run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--", packs.InstalledWsk, "demo", "--json"],
            Path.GetTempPath(), TimeSpan.FromSeconds(60), new Dictionary<string, string?> { ["HOME"] = Path.GetTempPath() });

        Assert.True(exit == 4, $"exit {exit}:\n{output}");
        using JsonDocument doc = JsonDocument.Parse(output.Trim());
        JsonElement error = doc.RootElement.GetProperty("error");
        Assert.Equal("wsk demo", error.GetProperty("command").GetString());
        Assert.Equal($"run it as root: sudo {packs.InstalledWsk} demo --json", error.GetProperty("hint").GetString());
        Assert.Equal(4, error.GetProperty("exitCode").GetInt32());
    }

    private static bool OnPath(string program) => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Any(dir => File.Exists(Path.Combine(dir, program)));

    private static string? FindDotnet()
    {
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        IEnumerable<string> candidates = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "dotnet"))
            .Append("/usr/share/dotnet/dotnet").Append("/usr/lib/dotnet/dotnet").Append(Path.Combine(home, ".dotnet", "dotnet"));
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host)
        {
            candidates = candidates.Prepend(host);
        }

        return candidates.FirstOrDefault(File.Exists);
    }

    /// <summary>Runs a command of the packaging checks: the tool installs into a package folder of its own (no stale wsk
    /// 0.1.0 from the user's cache) and the packed tool finds the runtime that runs these tests.</summary>
    private static (int ExitCode, string Output) Run(string file, IReadOnlyList<string> args, string workingDirectory, TimeSpan timeout,
        IReadOnlyDictionary<string, string?>? extra = null)
    {
        var environment = new Dictionary<string, string?>(extra ?? new Dictionary<string, string?>());
        if (args.Count > 0 && args[0] == "tool")
        {
            environment["NUGET_PACKAGES"] = Path.Combine(workingDirectory, "nuget-packages");
        }

        if (FindDotnet() is { } dotnet)
        {
            environment["DOTNET_ROOT"] = Path.GetDirectoryName(Path.GetFullPath(ResolveLink(dotnet)));
        }

        return ChildProcess.Run(file, args, workingDirectory, timeout, environment);
    }

    private static string ResolveLink(string path) => new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
}
