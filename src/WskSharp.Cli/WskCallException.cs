using WskSharp.Nt;

namespace WskSharp.Cli;

/// <summary>A WSK call that did not succeed, with its NTSTATUS and, where the caller knows better than the status, a hint
/// and an exit code of its own (<see cref="CliError.FromWsk"/> makes the report).</summary>
internal sealed class WskCallException(string call, NtStatus status, string? hint = null, int? exitCode = null)
    : Exception($"{call} failed: {status}")
{
    /// <summary>The call, with what it was called on (e.g. <c>WskConnectEx to 127.0.0.1:7000</c>).</summary>
    public string Call { get; } = call;

    public NtStatus Status { get; } = status;

    public string? Hint { get; } = hint;

    public int? ExitCode { get; } = exitCode;
}
