using Microsoft.Extensions.Logging;

namespace WskSharp.Internal;

/// <summary>What the socket engine logs (event ids 100-199; the others: the Fast Open memory 1-19, Nt/ 20-29, the
/// transport 200-299, the WSK layer 300-399).</summary>
internal static partial class EngineLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Error,
        Message = "A socket's readiness handling threw; the socket is failed and its pending requests complete with STATUS_INTERNAL_ERROR")]
    public static partial void ReadinessHandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 120, Level = LogLevel.Error,
        Message = "A datagram socket's receive-from event delivery threw; the datagrams indicated are taken back and the socket goes on")]
    public static partial void DatagramDeliveryFailed(ILogger logger, Exception exception);
}
