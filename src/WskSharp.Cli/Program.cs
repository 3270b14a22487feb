using System.CommandLine;
using WskSharp.Cli;

var root = new RootCommand("wsk: the WskSharp tool. WskConnectEx over the Linux TCP stack, with real TCP Fast Open.");
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(ConnectCommand.Create());
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(TfoCommand.Create());
root.Subcommands.Add(LabCommand.Create());
root.Subcommands.Add(InfoCommand.Create());
return await root.Parse(args).InvokeAsync();
