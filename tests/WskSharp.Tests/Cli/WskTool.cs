namespace WskSharp.Tests.Cli;

/// <summary>The built <c>wsk</c> tool (src/WskSharp.Cli's output in this test run's configuration), run as a user runs it.</summary>
internal static class WskTool
{
    public static string Path => System.IO.Path.Combine(Net.ReadmeExampleTests.RepositoryRoot(), "src", "WskSharp.Cli", "bin",
        PublicApi.PackagingTests.Packs.Configuration, "net10.0", "wsk");

    /// <summary>Runs <c>wsk ARGS</c>; a hang is a failure of its own (exit -1), never a hung test run.</summary>
    public static (int ExitCode, string Output) Run(IReadOnlyList<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        Assert.True(File.Exists(Path), $"the tool is not built: no {Path} (dotnet build WskSharp.slnx -c {PublicApi.PackagingTests.Packs.Configuration})");
        return ChildProcess.Run(Path, args, System.IO.Path.GetTempPath(), TimeSpan.FromSeconds(60), environment);
    }

    /// <summary>The output's lines, without empty ones.</summary>
    public static string[] Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
