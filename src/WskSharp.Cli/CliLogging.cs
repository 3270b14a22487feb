using Microsoft.Extensions.Logging;

namespace WskSharp.Cli;

/// <summary>
/// The tool's logging: silent unless <c>--verbose</c>, then WskSharp's log events (Fast Open memory state changes, ...)
/// go to standard error, one line each. A minimal provider of the tool's own, so the tool needs no logging framework.
/// </summary>
internal static class CliLogging
{
    /// <summary>The factory WSK sessions log to, or null (silent).</summary>
    public static ILoggerFactory? Factory { get; private set; }

    public static void EnableVerbose() => Factory = new StderrLoggerFactory();

    private sealed class StderrLoggerFactory : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => new StderrLogger(categoryName);

        public void AddProvider(ILoggerProvider provider)
        {
            // Only standard error is offered.
        }

        public void Dispose()
        {
        }
    }

    private sealed class StderrLogger(string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            string line = $"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel,-11} {category}[{eventId.Id}] {formatter(state, exception)}";
            Console.Error.WriteLine(exception is null ? line : $"{line}{Environment.NewLine}{exception}");
        }
    }
}
