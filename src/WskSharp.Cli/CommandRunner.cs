using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Runtime.InteropServices;

namespace WskSharp.Cli;

/// <summary>
/// Runs the parsed command so that every way it can end has its documented exit code (<see cref="ExitCodes"/>): a
/// command line that does not parse is a usage error (2) reported in one line per problem, not the whole help; any
/// exception a command lets out becomes its one-line (or JSON) report, never a stack trace.
/// </summary>
internal static class CommandRunner
{
    public static async Task<int> InvokeAsync(ParseResult parse)
    {
        string command = CommandName(parse.CommandResult);
        bool json = WantsJson(parse);
        if (parse.Errors.Count > 0 && parse.Action is not HelpAction)
        {
            // What failed is the command line; the parser's words are the detail (with --json, the "message").
            string problems = string.Join("; ", parse.Errors.Select(e => e.Message.TrimEnd('.')));
            return ErrorReport.Write(CliError.Usage("the command line", $"does not parse: {problems}", $"{command} --help shows the usage"), command, json);
        }

        // Ctrl-C (SIGINT) cancels the command's token, so that it unwinds through its finally blocks (the demo removes its
        // namespace, sockets close) and ends with 130. System.CommandLine's own handling is off: with it, SIGINT still
        // killed the process outright, leaving the demo's namespace behind. SIGTERM keeps the runtime's handling
        // (ProcessExit runs, which the demo also hooks).
        using var interrupted = new CancellationTokenSource();
        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            context.Cancel = true;
            interrupted.Cancel();
        });
        try
        {
            var configuration = new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
            int exit = await parse.InvokeAsync(configuration, interrupted.Token).ConfigureAwait(false);
            return interrupted.IsCancellationRequested && exit == ExitCodes.Ok ? ExitCodes.Interrupted : exit;
        }
#pragma warning disable CA1031 // Every failure must end as the tool's one-line report with its exit code.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return ErrorReport.Write(ErrorReport.Classify(ex), command, json);
        }
    }

    /// <summary><c>wsk</c> and the subcommands the user gave, e.g. <c>wsk lab up</c>.</summary>
    private static string CommandName(CommandResult result)
    {
        var names = new Stack<string>();
        for (SymbolResult? r = result; r is not null; r = r.Parent)
        {
            if (r is CommandResult c && c.Command is not RootCommand)
            {
                names.Push(c.Command.Name);
            }
        }

        return string.Join(' ', ["wsk", .. names]);
    }

    /// <summary>Whether the command has a <c>--json</c> option and it was given: then errors are JSON too.</summary>
    private static bool WantsJson(ParseResult parse)
        => parse.CommandResult.Command.Options.FirstOrDefault(o => o.Name == "--json") is Option<bool> json
            && parse.GetValue(json);
}
