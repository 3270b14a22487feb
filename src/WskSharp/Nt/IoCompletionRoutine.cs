namespace WskSharp.Nt;

/// <summary>
/// <c>IO_COMPLETION_ROUTINE</c>: runs once when the IRP completes, before anyone awaiting the IRP resumes. The IRP is
/// its owner's from the moment the routine is called: the routine may reuse and resubmit it, or signal a thread that does.
/// </summary>
/// <param name="irp">The IRP, with <see cref="Irp.IoStatus"/> and <see cref="Irp.PendingReturned"/> set.</param>
/// <param name="context">The context given to <see cref="Irp.SetCompletionRoutine"/>.</param>
/// <returns>
/// <see cref="NtStatus.MoreProcessingRequired"/> to keep ownership of the IRP (the usual WSK pattern), or any
/// other status. In user mode no I/O manager frees the IRP, so both leave it with the caller, free to reuse.
/// </returns>
public delegate NtStatus IoCompletionRoutine(Irp irp, object? context);
