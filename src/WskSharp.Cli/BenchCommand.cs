using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
using WskSharp.Lab;

namespace WskSharp.Cli;

/// <summary>
/// <c>wsk bench</c>: runs the repository's quick benchmark set (bench/run --quick) with a progress display, then prints
/// its goals table and ratio line. The measuring is bench/run's; this is its front door.
/// </summary>
internal static class BenchCommand
{
    /// <summary>bench/run of the checkout this tool runs from, or null (an installed tool has none: then <c>wsk bench</c> is not offered).</summary>
    public static string? Script
    {
        get
        {
            // bench/run sits beside tools/lab/lab.sh in a checkout.
            string? repo = LabNetwork.FindScript() is { } lab ? Path.GetFullPath(Path.Combine(Path.GetDirectoryName(lab)!, "..", "..")) : null;
            string? script = repo is null ? null : Path.Combine(repo, "bench", "run");
            return script is not null && File.Exists(script) ? script : null;
        }
    }

    public static Command Create()
    {
        var full = new Option<bool>("--full") { Description = "The full set (about 6.5 minutes) instead of the quick one (about 2 minutes)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (the ratios by name, and where the full results are) instead of the table." };
        var command = new Command("bench", "Run the benchmarks side by side with C and .NET peers (root; needs a WskSharp checkout) and print the ratios.") { full, json };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(full), parse.GetValue(json), ct));
        return command;
    }

    private static async Task<int> RunAsync(bool full, bool json, CancellationToken ct)
    {
        string script = Script ?? throw new CliError("bench/run", "was not found", "run wsk from a WskSharp checkout", ExitCodes.Setup);
        string repo = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(script)!, ".."));

        var psi = new ProcessStartInfo("bash") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add(full ? "--full" : "--quick");
        using Process process = Process.Start(psi) ?? throw new InvalidOperationException("bash did not start");
        string? ratios = null;
        var tail = new Queue<string>();
        void Track(string? line, Action<string> show)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                return;
            }

            if (line.StartsWith("p1_vs_dotnet=", StringComparison.Ordinal))
            {
                ratios = line;
            }

            lock (tail)
            {
                tail.Enqueue(line);
                if (tail.Count > 20)
                {
                    tail.Dequeue();
                }
            }

            show(line);
        }

        if (json)
        {
            // The JSON object alone goes to standard output; progress goes to standard error.
            process.OutputDataReceived += (_, e) => Track(e.Data, l => Console.Error.WriteLine(l));
            process.ErrorDataReceived += (_, e) => Track(e.Data, l => Console.Error.WriteLine(l));
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            await process.WaitForExitAsync(ct).ConfigureAwait(false);
        }
        else
        {
            await AnsiConsole.Status().StartAsync("starting bench/run", async status =>
            {
                void Show(string line) => status.Status(Markup.Escape(line.Length > 100 ? line[..100] : line));
                process.OutputDataReceived += (_, e) => Track(e.Data, Show);
                process.ErrorDataReceived += (_, e) => Track(e.Data, Show);
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
                await process.WaitForExitAsync(ct).ConfigureAwait(false);
            }).ConfigureAwait(false);
        }

        string results = Path.Combine(repo, "bench", "results", "latest.md");
        if (process.ExitCode != 0 || ratios is null)
        {
            await Console.Error.WriteLineAsync($"bench/run exited {process.ExitCode}; its last lines:").ConfigureAwait(false);
            foreach (string line in tail)
            {
                await Console.Error.WriteLineAsync("  " + line).ConfigureAwait(false);
            }

            return process.ExitCode == 0 ? 1 : process.ExitCode;
        }

        if (json)
        {
            // "p1_vs_dotnet=0.500 ..." → {"p1_vs_dotnet": 0.5, ...}; NA (not measured) → null.
            var values = ratios.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(pair => pair.Split('=', 2))
                .Where(kv => kv.Length == 2)
                .ToDictionary(kv => kv[0], kv => double.TryParse(kv[1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double v) ? (double?)v : null);
            Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new { ratios = values, results = Path.ChangeExtension(results, ".json"), report = results }));
            return 0;
        }

        PrintGoals(results);
        Console.WriteLine(ratios);
        return 0;
    }

    /// <summary>Prints the "Goals" table of the Markdown report as a console table.</summary>
    private static void PrintGoals(string markdown)
    {
        if (!File.Exists(markdown))
        {
            return;
        }

        string[] rows = [.. File.ReadLines(markdown).SkipWhile(l => !l.StartsWith("## Goals", StringComparison.Ordinal)).Skip(2).TakeWhile(l => l.StartsWith('|'))];
        if (rows.Length < 2)
        {
            return;
        }

        static string[] Cells(string row) => [.. row.Trim('|').Split('|').Select(c => c.Trim())];
        var table = new Table();
        foreach (string header in Cells(rows[0]))
        {
            table.AddColumn(Markup.Escape(header));
        }

        foreach (string row in rows.Skip(2))
        {
            table.AddRow([.. Cells(row).Select(c => Markup.Escape(c.Replace("**", "", StringComparison.Ordinal)))]);
        }

        AnsiConsole.Write(table);
    }
}
