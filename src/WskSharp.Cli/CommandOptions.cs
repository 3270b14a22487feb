using System.CommandLine;
using System.Globalization;

namespace WskSharp.Cli;

/// <summary>The options several commands share, made and checked one way: <c>--timeout</c> and <c>--count</c>.</summary>
internal static class CommandOptions
{
    /// <summary><c>--timeout SECONDS</c>: how long a command waits for the other end before it gives up (exit 3).</summary>
    public static Option<double> Timeout(string waitsFor) => new("--timeout")
    {
        Description = $"Seconds to wait for {waitsFor} before giving up (exit 3).",
        DefaultValueFactory = _ => 10,
    };

    /// <summary>The timeout as a span; zero, negative or absurd values are a usage error.</summary>
    public static TimeSpan CheckTimeout(double seconds) => seconds is > 0 and <= 86_400
        ? TimeSpan.FromSeconds(seconds)
        : throw CliError.Usage("--timeout", $"must be more than 0 and at most 86400 seconds (got {seconds.ToString(CultureInfo.InvariantCulture)})",
            "give the seconds to wait, e.g. --timeout 10 (the default), or --timeout 0.5");

    /// <summary>A count that must be at least 1: 0 and negative counts are refused, not quietly made 1.</summary>
    public static int CheckCount(int count, string option = "--count") => count >= 1
        ? count
        : throw CliError.Usage(option, $"must be at least 1 (got {count.ToString(CultureInfo.InvariantCulture)})",
            $"give {option} 1 or more, or leave it out for the default");
}
