namespace WskSharp.Nt;

/// <summary>
/// The provider's cancel routine (<c>IoSetCancelRoutine</c>): whoever holds a pending IRP sets one, so that
/// <see cref="Irp.Cancel"/> can take the IRP back. An interface, not a delegate, so that setting it costs
/// no allocation per operation.
/// </summary>
internal interface IIrpCancelHandler
{
    /// <summary>Removes <paramref name="irp"/> from wherever it waits and completes it with STATUS_CANCELLED,
    /// unless it is already being completed, in which case it does nothing.</summary>
    void CancelIrp(Irp irp);

    /// <summary>Whether code awaiting the IRP may resume on the event loop that completed it (the registration opted in
    /// with <c>WskProviderOptions.CompleteOnEventLoop</c>); otherwise it resumes on the thread pool.</summary>
    bool ContinueOnEventLoop => false;
}
