using System.Text;
using Microsoft.Extensions.Logging;

namespace WskSharp.Native;

/// <summary>
/// The WSK layer's logger for a C client: each entry (warnings and worse) goes to the kernel runtime's DbgPrintEx, where the
/// driver's own output goes, so what the layer reports (a completion routine that threw and was contained, an event loop
/// held too long) is seen rather than dropped. Only a log entry allocates; nothing is logged on the steady path.
/// </summary>
internal sealed class DbgPrintLoggerFactory : ILoggerFactory
{
    public static readonly DbgPrintLoggerFactory Instance = new();

    public ILogger CreateLogger(string categoryName) => new DbgPrintLogger(categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed unsafe class DbgPrintLogger(string category) : ILogger
    {
        // DPFLTR_*_LEVEL of an entry.
        private static uint Level(LogLevel level) => level switch
        {
            LogLevel.Critical or LogLevel.Error => 0, // DPFLTR_ERROR_LEVEL
            LogLevel.Warning => 1, // DPFLTR_WARNING_LEVEL
            LogLevel.Information => 3, // DPFLTR_INFO_LEVEL
            _ => 2, // DPFLTR_TRACE_LEVEL
        };

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            string text = $"{category}[{eventId.Id}] {logLevel}: {formatter(state, exception)}"
                + (exception is null ? string.Empty : $"\n{exception.GetType().FullName}: {exception.Message}");
            byte[] utf8 = new byte[Encoding.UTF8.GetMaxByteCount(text.Length) + 1];
            int length = Encoding.UTF8.GetBytes(text, utf8);
            utf8[length] = 0;
            fixed (byte* pointer = utf8)
            {
                CShim.LogText(Level(logLevel), pointer);
            }
        }
    }
}
