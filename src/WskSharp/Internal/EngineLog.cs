using Microsoft.Extensions.Logging;

namespace WskSharp.Internal;

/// <summary>What the socket engine logs (event ids 100-199; the Fast Open memory has 1-99).</summary>
internal static partial class EngineLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Error,
        Message = "A socket's readiness handling threw; the socket is failed and its pending requests complete with STATUS_INTERNAL_ERROR")]
    public static partial void ReadinessHandlerFailed(ILogger logger, Exception exception);
}
