namespace WskSharp.Nt;

/// <summary>
/// What a provider keeps in the IRP while it holds it (<c>IO_STACK_LOCATION</c>): the request's kind, its
/// buffer, flags and progress. Living in the IRP, a pending request needs no allocation of its own.
/// </summary>
internal struct IrpStackLocation
{
    /// <summary>The provider's code for the request kind (its own enum, as an int: Nt/ names nothing above it).</summary>
    public int MajorFunction;

    /// <summary>The call's flags.</summary>
    public uint Flags;

    /// <summary>The caller's buffer chain (null when the call had none).</summary>
    public Mdl? Mdl;

    /// <summary>Offset into the first MDL.</summary>
    public int Offset;

    /// <summary>Total bytes the request covers.</summary>
    public int Length;

    /// <summary>Bytes already transferred.</summary>
    public int Progress;

    /// <summary>Where in the buffer chain the next byte goes or comes from (kept at <see cref="Progress"/>), so the chain is
    /// walked once per request.</summary>
    public MdlCursor Cursor;

    /// <summary>A second numeric parameter, as the request needs it.</summary>
    public long Argument;

    /// <summary>An object parameter, as the request needs it (e.g. where an accept puts its results).</summary>
    public object? Context;

    /// <summary>The object the request produced (the accepted socket), handed to <c>IoStatus.Pointer</c> at completion.</summary>
    public object? Result;
}
