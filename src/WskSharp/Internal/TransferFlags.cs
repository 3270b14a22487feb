namespace WskSharp.Internal;

/// <summary>
/// What a send or receive asks of the engine beyond moving bytes. The WSK layer decodes <c>WSK_FLAG_*</c> into these
/// (WSK_FLAG_NODELAY and WSK_FLAG_WAITALL share a value there; here each has its own bit), so the engine never reads WSK flags.
/// </summary>
[Flags]
internal enum TransferFlags : uint
{
    None = 0,

    /// <summary>The send goes out at once, whatever Nagle holds (WSK_FLAG_NODELAY).</summary>
    NoDelay = 1,

    /// <summary>The receive completes only when its buffer is full, or the stream ends or fails (WSK_FLAG_WAITALL).</summary>
    WaitAll = 2,

    /// <summary>The receive discards what has arrived instead of copying it (WSK_FLAG_DRAIN).</summary>
    Drain = 4,
}
