using System.Globalization;
using Spectre.Console;

namespace WskSharp.Cli;

/// <summary>
/// The width tables are laid out for: <c>COLUMNS</c> when it is set (as shells export it, and as scripts set it to
/// ask for a width), otherwise the terminal's, and 80 when the output is not a terminal.
/// </summary>
internal static class CliConsole
{
    public static void FitToTerminal()
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), NumberStyles.None, CultureInfo.InvariantCulture, out int columns) && columns >= 20)
        {
            AnsiConsole.Profile.Width = columns;
        }
        else if (Console.IsOutputRedirected)
        {
            AnsiConsole.Profile.Width = 80;
        }
    }

    /// <summary>A line that must stay one line (a tcpdump line: it must stay greppable), whatever the width.</summary>
    public static void WriteUnwrapped(string line) => Console.Out.WriteLine(line);
}
