using System.Diagnostics;
using System.Text.RegularExpressions;
using WskSharp.Ws2;

namespace WskSharp.Tests.Reliability;

/// <summary>
/// The fuzzing smoke run: <c>fuzz/run.sh --smoke</c> (SharpFuzz + afl++, 15 s for each of SockAddr.TryRead, WskBuf.Validate
/// and WskControlSocket, all three at once) must save no crash and execute inputs on every target. It shells out (the
/// harness is not referenced), at a lower CPU priority so that it takes spare cycles from the rest of the suite. Skips only
/// where afl-fuzz is missing and this process cannot install it (not root); as root it runs tools/setup.sh --fuzz first (tools/test.sh does too).
/// </summary>
public sealed partial class FuzzSmokeTests
{
    private static readonly string[] Targets = ["sockaddr", "wskbuf", "control"];
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(240);

    [Fact]
    public void Every_target_runs_under_afl_for_its_smoke_budget_and_saves_no_crash()
    {
        string root = Net.ReadmeExampleTests.RepositoryRoot();
        EnsureAfl(root);
        string findings = Path.Combine(Path.GetTempPath(), $"wsksharp-fuzz-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var watch = Stopwatch.StartNew();
        (int exitCode, string output) = ChildProcess.Run("nice", ["-n", "10", Path.Combine(root, "fuzz", "run.sh"), "--smoke", "--out", findings], root, HangGuard);
        watch.Stop();
        TestContext.Current.TestOutputHelper?.WriteLine($"fuzz/run.sh --smoke: exit {exitCode} after {watch.Elapsed.TotalSeconds:F0} s{Environment.NewLine}{output}");

        var rows = StatsRow().Matches(output).ToDictionary(m => m.Groups["target"].Value);
        foreach (string target in Targets)
        {
            Assert.True(rows.TryGetValue(target, out Match? row), $"no figures for {target} (findings kept in {findings}):\n{output}");
            long execs = long.Parse(row.Groups["execs"].Value, System.Globalization.CultureInfo.InvariantCulture);
            int crashes = int.Parse(row.Groups["crashes"].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(execs > 0, $"{target}: no input was executed:\n{output}");
            Assert.True(crashes == 0, $"{target}: {crashes} crash(es), inputs in {findings}/{target}/default/crashes:\n{output}");
        }

        Assert.True(exitCode == 0, $"fuzz/run.sh exited with {exitCode} (findings kept in {findings}):\n{output}");
        Directory.Delete(findings, recursive: true);
    }

    /// <summary>afl-fuzz on PATH; as root, tools/setup.sh --fuzz installs it if it is missing; otherwise the test skips.</summary>
    private static void EnsureAfl(string root)
    {
        if (HasAfl())
        {
            return;
        }

        if (!Environment.IsPrivilegedProcess)
        {
            Assert.Skip("afl-fuzz is missing and this process is not root, so tools/setup.sh --fuzz cannot install afl++ (run it as root).");
        }

        (int exitCode, string output) = ChildProcess.Run("bash", [Path.Combine(root, "tools", "setup.sh"), "--fuzz"], root, HangGuard);
        Assert.True(exitCode == 0 && HasAfl(), $"tools/setup.sh did not install afl-fuzz (exit {exitCode}):\n{output}");
    }

    private static bool HasAfl() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, "afl-fuzz")));

    /// <summary>A row of run.sh's table: target, executions, executions/s, crashes, hangs, corpus, found, stability.</summary>
    [GeneratedRegex(@"^(?<target>sockaddr|wskbuf|control)\s+(?<execs>\d+)\s+(?<rate>[\d.]+)\s+(?<crashes>\d+)\s+(?<hangs>\d+)\s+(?<corpus>\d+)\s+(?<found>\d+)",
        RegexOptions.Multiline)]
    private static partial Regex StatsRow();
}
