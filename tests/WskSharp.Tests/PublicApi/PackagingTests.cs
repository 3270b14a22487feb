using System.IO.Compression;
using System.Reflection;
using System.Text.Json;
using System.Xml.Linq;

namespace WskSharp.Tests.PublicApi;

/// <summary>
/// <c>dotnet pack</c> makes the WskSharp package (README, XML docs, MIT licence expression, a symbols package) and the
/// <c>wsk</c> .NET tool, which installs into a fresh tool path from a local folder only (offline) and runs <c>wsk info</c>.
/// Skips, saying why, only where no dotnet CLI can be found.
/// </summary>
public sealed class PackagingTests(PackagingTests.Packs packs) : IClassFixture<PackagingTests.Packs>
{
    /// <summary>Packs the solution once for the class, into a temporary folder removed afterwards.</summary>
    public sealed class Packs : IDisposable
    {
        public Packs()
        {
            Dotnet = FindDotnet();
            Root = Net.ReadmeExampleTests.RepositoryRoot();
            Folder = Path.Combine(Path.GetTempPath(), $"wsksharp-pack-{Environment.ProcessId}-{Guid.NewGuid():N}");
            Directory.CreateDirectory(Folder);
            Output = Path.Combine(Folder, "packages");
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

        public string? Dotnet { get; }

        public string Root { get; }

        public string Folder { get; }

        public string Output { get; }

        public string PackLog { get; } = "";

        public static string Configuration =>
            typeof(Packs).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

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

    [Fact]
    public void The_symbols_carry_no_path_of_the_build_machine()
    {
        packs.Require();
        Assert.SkipUnless(Packs.Configuration == "Release", "Deterministic source paths are a Release (and CI) setting.");
        using ZipArchive symbols = ZipFile.OpenRead(Path.Combine(packs.Output, "WskSharp.0.1.0.snupkg"));
        using var pdb = new MemoryStream();
        using (Stream entry = symbols.Entries.Single(e => e.FullName == "lib/net10.0/WskSharp.pdb").Open())
        {
            entry.CopyTo(pdb);
        }

        pdb.Position = 0;
        using var provider = System.Reflection.Metadata.MetadataReaderProvider.FromPortablePdbStream(pdb);
        System.Reflection.Metadata.MetadataReader reader = provider.GetMetadataReader();
        string[] documents = [.. reader.Documents.Select(h => reader.GetString(reader.GetDocument(h).Name))];
        Assert.NotEmpty(documents);
        Assert.All(documents, d => Assert.StartsWith("/_/", d, StringComparison.Ordinal));
        Assert.DoesNotContain(documents, d => d.Contains(packs.Root, StringComparison.Ordinal));
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

        // Offline: a NuGet config whose only source is the folder pack wrote, and a packages folder of the test's own.
        string config = Path.Combine(packs.Folder, "nuget.config");
        File.WriteAllText(config, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{packs.Output}" />
              </packageSources>
            </configuration>
            """);
        string toolPath = Path.Combine(packs.Folder, "tools");
        var install = Run(packs.Dotnet!, ["tool", "install", "--tool-path", toolPath, "--configfile", config, "--add-source", packs.Output,
            "--ignore-failed-sources", "wsk", "--version", "0.1.0"], packs.Folder, TimeSpan.FromSeconds(120));
        Assert.True(install.ExitCode == 0, $"dotnet tool install exited {install.ExitCode}:\n{install.Output}");

        string wsk = Path.Combine(toolPath, "wsk");
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
    private static (int ExitCode, string Output) Run(string file, IReadOnlyList<string> args, string workingDirectory, TimeSpan timeout)
    {
        var environment = new Dictionary<string, string?>();
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
