using WskSharp.Net;
using WskSharp.Nt;

namespace WskSharp.Cli;

/// <summary>
/// What the tool reports when a command cannot do what was asked: what failed, the NTSTATUS (when a WSK call said no),
/// in words what that means, a hint of what to do about it, and the exit code (<see cref="ExitCodes"/>). Every failure of
/// every command ends as one of these, printed as one line (or one JSON object with <c>--json</c>) by <see cref="ErrorReport"/>.
/// </summary>
internal sealed class CliError : Exception
{
    public CliError(string what, string detail, string? hint, int exitCode, NtStatus? status = null)
        : base($"{what}: {detail}")
    {
        What = what;
        Detail = detail;
        Hint = hint;
        ExitCode = exitCode;
        Status = status;
    }

    /// <summary>What failed, e.g. <c>WskConnectEx to 127.0.0.1:7000</c> or <c>--count</c>.</summary>
    public string What { get; }

    /// <summary>What went wrong, in words.</summary>
    public string Detail { get; }

    /// <summary>What to do about it, or null where there is nothing useful to say.</summary>
    public string? Hint { get; }

    /// <summary>One of <see cref="ExitCodes"/>.</summary>
    public int ExitCode { get; }

    /// <summary>The NTSTATUS of the WSK call that failed; null for a failure that is not a WSK call's (a bad argument).</summary>
    public NtStatus? Status { get; }

    /// <summary>A value on the command line that is not valid (exit 2).</summary>
    public static CliError Usage(string what, string detail, string? hint = null) => new(what, detail, hint, ExitCodes.Usage);

    /// <summary>
    /// A WSK call that did not succeed: the status in words from the .NET face's one table, the call's own hint or one for
    /// the status, and the exit code for its kind (the network's answer is 3, a destination that is not valid is 2).
    /// </summary>
    public static CliError FromWsk(WskCallException ex)
    {
        NtStatus status = ex.Status;
        string meaning = WskStatusMapping.Describe(status).Meaning;
        int code = ex.ExitCode ?? ExitCodeOf(status);
        return new CliError(ex.Call, $"failed with {status.Name ?? status.ToString()}: {meaning}", ex.Hint ?? HintFor(status), code, status);
    }

    private static int ExitCodeOf(NtStatus status)
    {
        if (status == NtStatus.ConnectionRefused || status == NtStatus.ConnectionReset || status == NtStatus.ConnectionAborted
            || status == NtStatus.HostUnreachable || status == NtStatus.NetworkUnreachable || status == NtStatus.NotFound
            || status == NtStatus.IoTimeout || status == NtStatus.ConnectionDisconnected)
        {
            return ExitCodes.Network;
        }

        if (status == NtStatus.InvalidAddressComponent)
        {
            return ExitCodes.Usage;
        }

        if (status == NtStatus.AccessDenied)
        {
            return ExitCodes.Setup;
        }

        return status == NtStatus.Cancelled ? ExitCodes.Interrupted : ExitCodes.Failed;
    }

    private static string? HintFor(NtStatus status)
    {
        if (status == NtStatus.ConnectionRefused)
        {
            return "nothing listens there; start a server (e.g. wsk serve --port PORT) or check the address and port";
        }

        if (status == NtStatus.ConnectionReset)
        {
            return "the server closed the connection abruptly; is it the server you meant?";
        }

        if (status == NtStatus.HostUnreachable || status == NtStatus.NetworkUnreachable)
        {
            return "there is no route to that address from this network namespace (ip route)";
        }

        if (status == NtStatus.NotFound)
        {
            return "the name does not resolve here (check /etc/hosts and DNS), or give an address";
        }

        if (status == NtStatus.InvalidAddressComponent)
        {
            return "give a destination with a port other than 0 and an address other than the wildcard (0.0.0.0, ::)";
        }

        if (status == NtStatus.AccessDenied)
        {
            return $"run it as root: {Invocation.Sudo()}";
        }

        return null;
    }
}
