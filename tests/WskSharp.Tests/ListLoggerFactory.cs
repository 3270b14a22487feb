using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace WskSharp.Tests;

/// <summary>A logger factory that keeps every entry, for tests that check what WskSharp logs (a real
/// <see cref="ILoggerFactory"/>: WskSharp's source-generated log methods write to it as to any other).</summary>
internal sealed class ListLoggerFactory : ILoggerFactory
{
    public ConcurrentQueue<(string Category, LogLevel Level, EventId Id, string Message, Exception? Exception)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }

    private sealed class Logger(ListLoggerFactory factory, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => factory.Entries.Enqueue((category, logLevel, eventId, formatter(state, exception), exception));
    }
}
