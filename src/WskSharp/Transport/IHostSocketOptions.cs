using WskSharp.Nt;

namespace WskSharp.Transport;

/// <summary>The socket options of a host socket, stream or datagram (<see cref="HostSocketOption"/> says each one's unit).</summary>
internal interface IHostSocketOptions
{
    /// <summary>Sets an option (a boolean option takes 0 or 1): Success, or the host's refusal.</summary>
    NtStatus SetOption(HostSocketOption option, int value);

    /// <summary>Reads an option, in the unit it is set in.</summary>
    NtStatus GetOption(HostSocketOption option, out int value);
}
