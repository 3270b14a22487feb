namespace WskSharp.Wsk;

#pragma warning disable CA1707 // wsk.h names.

/// <summary><c>WSK_INSPECT_ACTION</c>: a WskInspectEvent's answer, and WskInspectComplete's decision.</summary>
public enum WskInspectAction
{
    /// <summary>Reject the connection request.</summary>
    WskInspectReject = 0,

    /// <summary>Proceed with the accept.</summary>
    WskInspectAccept = 1,

    /// <summary>Decide later, with WskInspectComplete.</summary>
    WskInspectPend = 2,

    /// <summary>The number of actions (not an action).</summary>
    WskInspectMax = 3,
}
