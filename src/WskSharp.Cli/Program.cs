using System.CommandLine;
using WskSharp.Cli;

var root = new RootCommand($"wsk: the WskSharp tool. WskConnectEx over the Linux TCP stack, with real TCP Fast Open.\n\n{ExitCodes.Help}");
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(ConnectCommand.Create());
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(TfoCommand.Create());
root.Subcommands.Add(LabCommand.Create());
if (BenchCommand.Script is not null)
{
    root.Subcommands.Add(BenchCommand.Create()); // Offered only in a checkout: the benchmarks are its C peers and projects.
}

root.Subcommands.Add(InfoCommand.Create());
root.Subcommands.Add(DriverCommand.Create());
var verbose = new Option<bool>("--verbose") { Description = "Log WskSharp's events (e.g. Fast Open memory changes) to standard error.", Recursive = true };
root.Options.Add(verbose);
Invocation.Arguments = args;
CliConsole.FitToTerminal();
ParseResult parse = root.Parse(args);
if (parse.GetValue(verbose))
{
    CliLogging.EnableVerbose();
}

return await CommandRunner.InvokeAsync(parse);
