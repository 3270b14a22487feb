namespace WskSharp.Fuzz;

/// <summary>
/// A broken contract found by a fuzz target. It escapes the target, so SharpFuzz reports the input to afl-fuzz as a crash
/// (an exception thrown by WskSharp itself escapes the same way).
/// </summary>
internal sealed class ContractViolationException : Exception
{
    public ContractViolationException()
    {
    }

    public ContractViolationException(string message)
        : base(message)
    {
    }

    public ContractViolationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Throws unless <paramref name="condition"/> holds.</summary>
    public static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new ContractViolationException(message);
        }
    }
}
