using Microsoft.Extensions.Logging;

namespace WskSharp.Wsk;

/// <summary>What the WSK layer logs (event ids 300-399), through its registration's <see cref="WskProviderOptions.LoggerFactory"/>.</summary>
internal static partial class WskLog
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Error, Message = "WskReceiveEvent threw; the data stays for WskReceive")]
    public static partial void ReceiveEventThrew(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 301, Level = LogLevel.Error, Message = "WskAcceptEvent threw; the connection is refused")]
    public static partial void AcceptEventThrew(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 302, Level = LogLevel.Error, Message = "{Callback} threw")]
    public static partial void EventCallbackThrew(ILogger logger, string callback, Exception exception);

    // Answered as STATUS_DATA_NOT_ACCEPTED, which refuses the whole list the event was given.
    [LoggerMessage(EventId = 303, Level = LogLevel.Error,
        Message = "WskReceiveFromEvent threw; its list of {Count} datagrams is refused: those not released stay, in order, for WskReceiveFrom")]
    public static partial void ReceiveFromEventThrew(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 304, Level = LogLevel.Error, Message = "WskInspectEvent threw; the connection is rejected")]
    public static partial void InspectEventThrew(ILogger logger, Exception exception);
}
