using Microsoft.Extensions.Logging;

namespace WskSharp.Lab;

/// <summary>What the lab logs (event ids 400-499; WskSharp's own use 1-399): clean-up that failed and was left behind.</summary>
internal static partial class LabLog
{
    [LoggerMessage(EventId = 400, Level = LogLevel.Warning, Message = "Could not delete orphaned network namespace {Path}: {Reason}")]
    public static partial void OrphanNotDeleted(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 401, Level = LogLevel.Warning, Message = "Could not delete network namespace {Name}: {Reason}")]
    public static partial void NamespaceNotDeleted(ILogger logger, string name, string reason);
}
