using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

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

    /// <summary>
    /// Writes <paramref name="wide"/> when each of its cells fits its column without splitting a word (a status or enum
    /// name, a number, an address), else the table <paramref name="narrow"/> makes: the same facts laid out for a narrow
    /// width (one column per record instead of one row), so that no name is ever cut in two.
    /// </summary>
    public static void WriteTable(Table wide, Func<Table> narrow)
    {
        int width = AnsiConsole.Profile.Width;
        Measurement needed = ((IRenderable)wide).Measure(RenderOptions.Create(AnsiConsole.Console, AnsiConsole.Console.Profile.Capabilities), width);
        AnsiConsole.Write(needed.Min <= width ? wide : narrow());
    }

    /// <summary>A line that must stay one line (a tcpdump line: it must stay greppable), whatever the width.</summary>
    public static void WriteUnwrapped(string line) => Console.Out.WriteLine(line);
}
