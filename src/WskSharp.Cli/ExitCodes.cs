namespace WskSharp.Cli;

/// <summary>
/// The tool's exit codes, the same in every command (and printed by <c>wsk --help</c>, and in the README): a script can
/// tell "fix the command line" from "the other end said no" from "this machine needs set-up".
/// </summary>
internal static class ExitCodes
{
    /// <summary>It did what was asked.</summary>
    public const int Ok = 0;

    /// <summary>A WSK call failed for a reason of this machine's (not the network's), or the result was not the expected
    /// one (the demo's second SYN carried no acknowledged data).</summary>
    public const int Failed = 1;

    /// <summary>The command line could not be parsed, or a value in it is not valid (an endpoint, <c>--count 0</c>, ...).</summary>
    public const int Usage = 2;

    /// <summary>The other end or the path to it: refused, reset, unreachable, a name that does not resolve, or no answer
    /// within <c>--timeout</c>.</summary>
    public const int Network = 3;

    /// <summary>This machine needs set-up: root, a network namespace that exists, tcpdump, or a WskSharp checkout.</summary>
    public const int Setup = 4;

    /// <summary>Interrupted (Ctrl-C), as shells report SIGINT.</summary>
    public const int Interrupted = 130;

    /// <summary>The codes as <c>wsk --help</c> lists them.</summary>
    public const string Help = """
        Exit codes (the same for every command):
          0    it did what was asked
          1    failed (a WSK call failed on this machine, or the result was not the expected one)
          2    usage: the command line could not be parsed, or a value in it is not valid
          3    network: refused, reset, unreachable, a name that does not resolve, or no answer within --timeout
          4    set-up: needs root, an existing network namespace, tcpdump, or a WskSharp checkout
          130  interrupted (Ctrl-C)
        """;
}
