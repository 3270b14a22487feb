using WskSharp.Nt;
using WskSharp.Transport.Linux;

namespace WskSharp.Tests.Transport;

/// <summary>
/// The one errno → NTSTATUS table, audited against every errno that socket, bind, connect, send, recv, setsockopt,
/// getsockopt, accept and listen can return on an IPv4/IPv6 TCP socket (their Linux man pages, plus the asynchronous
/// network errors a connected socket reports through them). None of them may fall through to STATUS_UNSUCCESSFUL; an
/// errno outside the table is logged once, by name.
/// </summary>
public sealed class ErrnoMappingTests
{
    /// <summary>Linux (x86-64 and arm64, asm-generic) numbers, written out so the test does not read the table it checks.</summary>
    public static TheoryData<string, int, uint> Audited => new()
    {
        { "EPERM", 1, 0xC0000022 },           // ACCESS_DENIED: a firewall rule, a privileged port
        { "EINTR", 4, 0x00000103 },           // PENDING: an interrupted non-blocking connect goes on in the background
        { "ENOMEM", 12, 0xC000009A },         // INSUFFICIENT_RESOURCES
        { "EACCES", 13, 0xC0000022 },
        { "EFAULT", 14, 0xC000000D },
        { "ENODEV", 19, 0xC0000141 },         // INVALID_ADDRESS: a scope id that names no interface
        { "EINVAL", 22, 0xC000000D },
        { "ENFILE", 23, 0xC000011F },
        { "EMFILE", 24, 0xC000011F },
        { "EPIPE", 32, 0xC000020C },
        { "EBADF", 9, 0xC0000008 },
        { "EAGAIN", 11, 0x00000103 },
        { "ENONET", 64, 0xC000023C },         // NETWORK_UNREACHABLE (accept: the pending connection's network went away)
        { "EPROTO", 71, 0xC0000241 },         // CONNECTION_ABORTED (accept: the pending connection failed)
        { "ENOTSOCK", 88, 0xC0000008 },
        { "EDESTADDRREQ", 89, 0xC000020C },   // CONNECTION_DISCONNECTED: a send with no peer
        { "EMSGSIZE", 90, 0xC000000D },
        { "EPROTOTYPE", 91, 0xC00000BB },     // NOT_SUPPORTED
        { "ENOPROTOOPT", 92, 0xC00000BB },
        { "EPROTONOSUPPORT", 93, 0xC00000BB },
        { "ESOCKTNOSUPPORT", 94, 0xC00000BB },
        { "EOPNOTSUPP", 95, 0xC00000BB },
        { "EAFNOSUPPORT", 97, 0xC000000D },
        { "EADDRINUSE", 98, 0xC0000238 },
        { "EADDRNOTAVAIL", 99, 0xC0000141 },
        { "ENETDOWN", 100, 0xC000023C },
        { "ENETUNREACH", 101, 0xC000023C },
        { "ENETRESET", 102, 0xC000020D },     // CONNECTION_RESET
        { "ECONNABORTED", 103, 0xC0000241 },
        { "ECONNRESET", 104, 0xC000020D },
        { "ENOBUFS", 105, 0xC000009A },
        { "EISCONN", 106, 0xC000023B },
        { "ENOTCONN", 107, 0xC000020C },
        { "ESHUTDOWN", 108, 0xC0000184 },     // INVALID_DEVICE_STATE, as WskSend after a graceful WskDisconnect
        { "ETIMEDOUT", 110, 0xC00000B5 },
        { "ECONNREFUSED", 111, 0xC0000236 },
        { "EHOSTDOWN", 112, 0xC000023D },
        { "EHOSTUNREACH", 113, 0xC000023D },
        { "EALREADY", 114, 0x00000103 },
        { "EINPROGRESS", 115, 0x00000103 },
    };

    [Theory]
    [MemberData(nameof(Audited))]
    public void Every_errno_of_the_socket_calls_has_its_NTSTATUS(string name, int errno, uint expected)
    {
        Assert.Equal(new NtStatus(expected), ErrnoMapping.ToNtStatus(errno));
        Assert.Equal(name, ErrnoMapping.NameOf(errno));
    }

    [Fact]
    public void An_errno_outside_the_table_is_STATUS_UNSUCCESSFUL_and_logged_once_by_name()
    {
        const int EDOM = 33; // No socket call returns it: nothing else in the process maps it.
        var logs = new ListLoggerFactory();
        var logger = logs.CreateLogger("test");

        Assert.Equal(NtStatus.Unsuccessful, ErrnoMapping.ToNtStatus(EDOM, logger));
        Assert.Equal(NtStatus.Unsuccessful, ErrnoMapping.ToNtStatus(EDOM, logger));

        var entry = Assert.Single(logs.Entries);
        Assert.Contains("EDOM", entry.Message, StringComparison.Ordinal);
    }
}
