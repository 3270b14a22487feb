namespace WskSharp.Nt;

/// <summary>
/// <c>IO_STATUS_BLOCK</c>: the final result of an IRP. <see cref="Status"/> is the NTSTATUS,
/// <see cref="Information"/> the byte count (or other numeric result) the call documents.
/// </summary>
/// <remarks>
/// Where Windows returns a pointer in <c>Information</c> (<c>PWSK_SOCKET</c> from WskSocket, WskSocketConnect
/// and WskAccept), a managed pointer cannot live in an integer: the object is in <see cref="Pointer"/> and
/// <see cref="Information"/> is 0.
/// </remarks>
#pragma warning disable CA1051 // IO_STATUS_BLOCK is a plain structure of fields, as in wdm.h, so a test can write a sentinel.
public struct IoStatusBlock
{
    /// <summary>The final NTSTATUS of the request.</summary>
    public NtStatus Status;

    /// <summary>The numeric result: bytes sent or received, or 0.</summary>
    public nuint Information;

    /// <summary>The object result of calls that return one (the new <c>WSK_SOCKET</c>), else null.</summary>
    public object? Pointer;
}
#pragma warning restore CA1051
