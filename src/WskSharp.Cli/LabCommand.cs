using System.CommandLine;
using System.Diagnostics;
using WskSharp.Lab;

namespace WskSharp.Cli;

/// <summary>
/// <c>wsk lab up|down|status</c>: the network lab of tools/lab (two namespaces in 198.18.0.0/15 joined by a delay line,
/// Fast Open on inside them only), brought up and down by its one script, which this command finds in the repository.
/// </summary>
internal static class LabCommand
{
    public static Command Create()
    {
        var name = new Option<string>("--name") { Description = "The lab's name (namespaces NAME-c and NAME-s).", DefaultValueFactory = _ => "wsklab" };
        var delay = new Option<int>("--delay-ms") { Description = "One-way delay of the delay line (the round trip is twice this).", DefaultValueFactory = _ => 10 };
        var blackhole = new Option<string[]>("--blackhole-syn-data") { Description = "Drop every SYN that carries data to this server address (repeatable), e.g. 198.18.0.2.", AllowMultipleArgumentsPerToken = true };
        var maxSeconds = new Option<int>("--max-seconds") { Description = "The lab removes itself after this long.", DefaultValueFactory = _ => 3600 };

        var up = new Command("up", "Create the lab: client 198.18.0.1, servers 198.18.0.2 and .3 (and 2001:2::/48), 2×delay round trip.") { name, delay, blackhole, maxSeconds };
        up.SetAction((parse, ct) =>
        {
            var args = new List<string> { "up", "--name", parse.GetValue(name)!, "--delay-ms", parse.GetValue(delay).ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--max-seconds", parse.GetValue(maxSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture) };
            foreach (string address in parse.GetValue(blackhole) ?? [])
            {
                args.Add("--blackhole-syn-data");
                args.Add(address);
            }

            return RunScriptAsync(args, ct);
        });
        var down = new Command("down", "Remove the lab: its namespaces, devices and delay line.") { name };
        down.SetAction((parse, ct) => RunScriptAsync(["down", "--name", parse.GetValue(name)!], ct));
        var status = new Command("status", "Say whether the lab is up, and its addresses.") { name };
        status.SetAction((parse, ct) => RunScriptAsync(["status", "--name", parse.GetValue(name)!], ct));
        return new Command("lab", "The network lab: namespaces with Fast Open on, a delay line, an optional SYN-data blackhole (root).") { up, down, status };
    }

    private static async Task<int> RunScriptAsync(IEnumerable<string> args, CancellationToken ct)
    {
        if (LabNetwork.FindScript() is not { } script)
        {
            throw new CliError("the lab script (tools/lab/lab.sh)", "was not found beside the tool nor in a checkout above it",
                "reinstall the tool, or run wsk from a WskSharp checkout", ExitCodes.Setup);
        }

        if (LabNetwork.WhyNot is { } why)
        {
            throw new CliError("the lab", $"cannot be made: {why}",
                Environment.IsPrivilegedProcess ? "install iproute2 and gcc (apt-get install iproute2 gcc)" : $"run it as root: {Invocation.Sudo()}", ExitCodes.Setup);
        }

        var psi = new ProcessStartInfo("bash") { UseShellExecute = false };
        psi.ArgumentList.Add(script);
        foreach (string arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(psi) ?? throw new InvalidOperationException("bash did not start");
        await process.WaitForExitAsync(ct).ConfigureAwait(false);
        return ExitCodeOf(process.ExitCode);
    }

    /// <summary>
    /// lab.sh's exit status as the tool's exit code (<see cref="ExitCodes"/>), so that <c>wsk lab</c> means what every other
    /// command means: its 3 (<c>status</c>: the lab is down or degraded) is set-up (4), not the network's 3; its 130 and 143
    /// (SIGINT, SIGTERM) are interrupted; any other failure (its <c>lab.sh: error: ...</c> line) is 1.
    /// </summary>
    private static int ExitCodeOf(int scriptExit) => scriptExit switch
    {
        0 => ExitCodes.Ok,
        3 => ExitCodes.Setup,
        130 or 143 => ExitCodes.Interrupted,
        _ => ExitCodes.Failed,
    };
}
