/* Datagram sockets are not bridged to C yet (WSK_PROVIDER_DATAGRAM_DISPATCH is declared in wsk.h, but no table is handed
 * out): WskSocket of one is refused with STATUS_NOT_SUPPORTED before any I/O, the routine run once, no socket in
 * Information, whether the category flag or SOCK_DGRAM asks for it. A socket with the wrong table would be worse. */
#include "wsktest.h"

static WSKTEST t;

static void Expect(const char *name, ULONG flags, USHORT socketType, ULONG protocol)
{
    NTSTATUS returned = t.Npi.Dispatch->WskSocket(t.Npi.Client, AF_INET, socketType, protocol, flags, NULL, NULL, NULL, NULL, NULL,
        SyncIrpArm(&t.Sync));
    NTSTATUS status = SyncIrpWait(&t.Sync, returned);
    if (returned != STATUS_NOT_SUPPORTED || status != STATUS_NOT_SUPPORTED || t.Sync.Calls != 1 || t.Sync.Information != 0) {
        wsktest_fail(name, "returned 0x%08X, status 0x%08X, %ld routine calls, Information %lu", (unsigned)returned, (unsigned)status,
            (long)t.Sync.Calls, (unsigned long)t.Sync.Information);
        if (NT_SUCCESS(status) && t.Sync.Information != 0) {
            WsktestClose(&t, (PWSK_SOCKET)t.Sync.Information);
        }
    } else {
        wsktest_ok(name);
    }
}

int main(void)
{
    NTSTATUS status = WsktestStart(&t);
    if (!NT_SUCCESS(status)) {
        wsktest_fail("register", "0x%08X", (unsigned)status);
        return 1;
    }
    Expect("wsksocket_datagram_flag_refused", WSK_FLAG_DATAGRAM_SOCKET, SOCK_DGRAM, IPPROTO_UDP);
    Expect("wsksocket_sock_dgram_refused", WSK_FLAG_CONNECTION_SOCKET, SOCK_DGRAM, IPPROTO_UDP);
    WsktestStop(&t);
    return wsktest_failed == 0 ? 0 : 1;
}
