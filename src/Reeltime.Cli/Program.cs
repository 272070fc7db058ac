using Reeltime.Cli;

return await CommandLine.RunAsync(args);
