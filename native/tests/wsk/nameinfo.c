/* WskGetNameInfo from C: a SOCKADDR and its length in, the names written into the caller's UNICODE_STRINGs (their
 * buffers, NUL-terminated, Length without the NUL) before the completion routine runs. Numeric forms only: the test
 * asks nothing of DNS. */
#include "wsktest.h"

static WSKTEST t;

/* One call: its returned and final status, with the names asked for (a NULL string is a name not asked for). */
static NTSTATUS NameInfo(PSOCKADDR address, ULONG length, PUNICODE_STRING node, PUNICODE_STRING service, ULONG flags,
    NTSTATUS *returned)
{
    NTSTATUS r = t.Npi.Dispatch->WskGetNameInfo(t.Npi.Client, address, length, node, service, flags, NULL, NULL,
        SyncIrpArm(&t.Sync));
    if (returned != NULL) {
        *returned = r;
    }
    return SyncIrpWait(&t.Sync, r);
}

static BOOLEAN Is(PCUNICODE_STRING actual, const WCHAR *expected)
{
    UNICODE_STRING e;
    RtlInitUnicodeString(&e, expected);
    return RtlEqualUnicodeString(actual, &e, FALSE) && actual->Buffer[actual->Length / 2] == L'\0';
}

int main(void)
{
    NTSTATUS status = WsktestStart(&t);
    if (!NT_SUCCESS(status)) {
        wsktest_fail("register", "0x%08X", (unsigned)status);
        return 1;
    }
    static WCHAR nodeBuffer[NI_MAXHOST], serviceBuffer[NI_MAXSERV];
    UNICODE_STRING node = { 0xEEEE, sizeof(nodeBuffer), nodeBuffer };
    UNICODE_STRING service = { 0xEEEE, sizeof(serviceBuffer), serviceBuffer };

    SOCKADDR_IN v4 = WsktestLoopback(8080);
    status = NameInfo((PSOCKADDR)&v4, sizeof(v4), &node, &service, NI_NUMERICHOST | NI_NUMERICSERV, NULL);
    if (status != STATUS_SUCCESS || !Is(&node, L"127.0.0.1") || !Is(&service, L"8080")) {
        wsktest_fail("getnameinfo_numeric_ipv4", "status 0x%08X, node length %u, service length %u", (unsigned)status, node.Length,
            service.Length);
    } else {
        wsktest_ok("getnameinfo_numeric_ipv4");
    }

    SOCKADDR_IN6 v6;
    memset(&v6, 0, sizeof(v6));
    v6.sin6_family = AF_INET6;
    v6.sin6_port = RtlUshortByteSwap(443);
    v6.sin6_addr.u.Byte[15] = 1; /* ::1 */
    node.Length = 0xEEEE;
    status = NameInfo((PSOCKADDR)&v6, sizeof(v6), &node, NULL, NI_NUMERICHOST, NULL);
    if (status != STATUS_SUCCESS || !Is(&node, L"::1")) {
        wsktest_fail("getnameinfo_numeric_ipv6_node_only", "status 0x%08X, node length %u", (unsigned)status, node.Length);
    } else {
        wsktest_ok("getnameinfo_numeric_ipv6_node_only");
    }

    /* "127.0.0.1" and its NUL need 20 bytes: 18 is too small; nothing is written and Length is 0. */
    WCHAR small[9];
    small[0] = L'#';
    UNICODE_STRING tight = { 0xEEEE, sizeof(small), small };
    status = NameInfo((PSOCKADDR)&v4, sizeof(v4), &tight, NULL, NI_NUMERICHOST, NULL);
    if (status != STATUS_BUFFER_TOO_SMALL || tight.Length != 0 || small[0] != L'#') {
        wsktest_fail("getnameinfo_buffer_too_small", "status 0x%08X, length %u", (unsigned)status, tight.Length);
    } else {
        wsktest_ok("getnameinfo_buffer_too_small");
    }

    /* A SockAddrLength short of the family's structure: refused before any I/O, the routine run. */
    NTSTATUS returned;
    status = NameInfo((PSOCKADDR)&v6, sizeof(SOCKADDR_IN), &node, NULL, NI_NUMERICHOST, &returned);
    if (status != STATUS_INVALID_PARAMETER || returned != STATUS_INVALID_PARAMETER || t.Sync.Calls != 1) {
        wsktest_fail("getnameinfo_short_sockaddr_refused", "returned 0x%08X, status 0x%08X, routine calls %ld", (unsigned)returned,
            (unsigned)status, (long)t.Sync.Calls);
    } else {
        wsktest_ok("getnameinfo_short_sockaddr_refused");
    }

    /* Neither name asked for: the WSK layer's refusal (EAI_NONAME). */
    status = NameInfo((PSOCKADDR)&v4, sizeof(v4), NULL, NULL, NI_NUMERICHOST, NULL);
    if (status != STATUS_NOT_FOUND) {
        wsktest_fail("getnameinfo_nothing_asked_refused", "status 0x%08X", (unsigned)status);
    } else {
        wsktest_ok("getnameinfo_nothing_asked_refused");
    }
    WsktestStop(&t);
    return wsktest_failed == 0 ? 0 : 1;
}
