using BenchmarkDotNet.Running;

// Runs the benchmarks picked by the command line (for example --filter '*AtomicWrite*').
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
