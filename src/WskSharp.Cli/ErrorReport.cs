using System.Text.Json;

namespace WskSharp.Cli;

/// <summary>
/// Turns whatever ended a command into its report and exit code: one line on standard error
/// (<c>wsk connect: WskConnectEx to 127.0.0.1:1 failed with STATUS_CONNECTION_REFUSED: ... Hint: ...</c>), or with
/// <c>--json</c> one JSON object <c>{"error": {...}}</c> on standard output, where a reader of the JSON already looks.
/// Never a stack trace: an exception nobody expected is still one line, naming its type.
/// </summary>
internal static class ErrorReport
{
    /// <summary>The error an exception stands for.</summary>
    public static CliError Classify(Exception exception) => exception switch
    {
        CliError error => error,
        WskCallException wsk => CliError.FromWsk(wsk),
        OperationCanceledException => new CliError("the command", "was interrupted", null, ExitCodes.Interrupted),
        UnauthorizedAccessException ex => new CliError("the command", ex.Message, $"run it as root: {Invocation.Sudo()}", ExitCodes.Setup),
        IOException ex => new CliError("the command", ex.Message, null, ExitCodes.Failed),
        // The lab's set-up steps (ip, tcpdump, lab.sh) say what failed in their message.
        InvalidOperationException ex => new CliError("a set-up step", $"failed: {ex.Message}", "wsk info says what this machine offers", ExitCodes.Failed),
        _ => new CliError("the command", $"{exception.GetType().Name}: {exception.Message}",
            "this is a bug in wsk; please report it with the command line", ExitCodes.Failed),
    };

    /// <summary>Reports <paramref name="error"/> for <paramref name="command"/> (e.g. <c>wsk connect</c>); returns its exit code.</summary>
    public static int Write(CliError error, string command, bool json)
    {
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(new
            {
                error = new
                {
                    command,
                    what = error.What,
                    status = error.Status is { } s ? s.Name ?? $"0x{s.Value:X8}" : null,
                    statusCode = error.Status is { } c ? $"0x{c.Value:X8}" : null,
                    message = error.Detail,
                    hint = error.Hint,
                    exitCode = error.ExitCode,
                },
            }));
        }
        else
        {
            Console.Error.WriteLine(Line(error, command));
        }

        return error.ExitCode;
    }

    private static string Sentence(string text)
    {
        text = text.Trim().TrimEnd('.').TrimEnd();
        return text.EndsWith('?') || text.EndsWith('!') ? text : text + ".";
    }

    /// <summary>The one line: command, what failed, the status and its meaning, the hint.</summary>
    public static string Line(CliError error, string command)
    {
        string line = Sentence($"{command}: {error.What} {error.Detail}".Trim());
        line = error.Hint is null ? line : $"{line} Hint: {Sentence(error.Hint)}";
        // One line whatever a message carried (an exception's text may have several): it must stay one greppable line.
        return string.Join(' ', line.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}
