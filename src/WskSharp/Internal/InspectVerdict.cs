namespace WskSharp.Internal;

/// <summary>What the client decided about a connection offered for inspection (conditional accept).</summary>
internal enum InspectVerdict
{
    /// <summary>Reset it.</summary>
    Reject,

    /// <summary>Hand it to WskAccept or the accept event.</summary>
    Accept,

    /// <summary>Hold it until the client decides.</summary>
    Pend,
}
