namespace WskSharp.Cli;

/// <summary>
/// How the user ran the tool, so that a hint can name the command to run instead (<c>sudo wsk demo</c>), whether it was
/// the installed tool, the built apphost (what <c>dotnet run</c> starts) or <c>dotnet wsk.dll</c>.
/// </summary>
internal static class Invocation
{
    /// <summary>The directories sudo's usual <c>secure_path</c> searches: a tool elsewhere (~/.dotnet/tools) is named by its path.</summary>
    private static readonly string[] SudoPath = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

    /// <summary>The arguments the tool was given (set once by Program).</summary>
    public static IReadOnlyList<string> Arguments { get; set; } = [];

    /// <summary>The command line that runs this tool again with the same arguments, as root.</summary>
    public static string Sudo() => $"sudo {CommandLine()}";

    /// <summary>The command line that runs this tool again with the same arguments.</summary>
    public static string CommandLine() => string.Join(' ', [Program(), .. Arguments.Select(Quote)]);

    /// <summary>The program as a shell would need it: <c>wsk</c> where a root shell finds it by that name, else its path.</summary>
    private static string Program()
    {
        string? process = Environment.ProcessPath;
        if (process is null)
        {
            return "wsk";
        }

        if (Path.GetFileNameWithoutExtension(process) == "dotnet")
        {
            // dotnet wsk.dll: the assembly is the command's first argument.
            return $"{Quote(process)} {Quote(typeof(Invocation).Assembly.Location)}";
        }

        string name = Path.GetFileName(process);
        string directory = Path.GetDirectoryName(process) ?? "";
        bool onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(d => string.Equals(Path.GetFullPath(d), directory, StringComparison.Ordinal));
        return onPath && SudoPath.Contains(directory) ? name : Quote(process);
    }

    private static string Quote(string text) => text.Length > 0 && text.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=@,+%[]".Contains(c))
        ? text
        : $"'{text.Replace("'", "'\\''", StringComparison.Ordinal)}'";
}
