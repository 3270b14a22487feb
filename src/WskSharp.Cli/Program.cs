using System.CommandLine;
using WskSharp.Cli;

var root = new RootCommand("wsk: the WskSharp tool. WskConnectEx over the Linux TCP stack, with real TCP Fast Open.");
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(ConnectCommand.Create());
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(TfoCommand.Create());
root.Subcommands.Add(LabCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(InfoCommand.Create());
root.Subcommands.Add(DriverCommand.Create());
var verbose = new Option<bool>("--verbose") { Description = "Log WskSharp's events (e.g. Fast Open memory changes) to standard error.", Recursive = true };
root.Options.Add(verbose);
ParseResult parse = root.Parse(args);
if (parse.GetValue(verbose))
{
    CliLogging.EnableVerbose();
}

return await parse.InvokeAsync();
