using AgentOs.Cli;

return AgentOsCli.Run(args, CliConsole.System);
