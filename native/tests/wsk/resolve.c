/* WskGetAddressInfo from C: UNICODE_STRING names, ADDRINFOEXW hints, the result as an ADDRINFOEXW list in Windows'
 * field order written to *Result before the completion routine runs, freed with WskFreeAddressInfo. Numeric names
 * only: the test asks nothing of DNS. */
#include "wsktest.h"

static WSKTEST t;

int main(void)
{
    NTSTATUS status = WsktestStart(&t);
    if (!NT_SUCCESS(status)) {
        wsktest_fail("register", "0x%08X", (unsigned)status);
        return 1;
    }
    UNICODE_STRING node, service;
    RtlInitUnicodeString(&node, L"127.0.0.1");
    RtlInitUnicodeString(&service, L"8080");
    ADDRINFOEXW hints;
    memset(&hints, 0, sizeof(hints));
    hints.ai_flags = AI_NUMERICHOST;
    hints.ai_family = AF_INET;
    PADDRINFOEXW result = (PADDRINFOEXW)(ULONG_PTR)0x1; /* a sentinel: the call sets it */
    status = SyncIrpWait(&t.Sync, t.Npi.Dispatch->WskGetAddressInfo(t.Npi.Client, &node, &service, NS_ALL, NULL, &hints, &result,
        NULL, NULL, SyncIrpArm(&t.Sync)));
    PSOCKADDR_IN address = result != NULL && result != (PADDRINFOEXW)(ULONG_PTR)0x1 ? (PSOCKADDR_IN)result->ai_addr : NULL;
    if (status != STATUS_SUCCESS || address == NULL) {
        wsktest_fail("getaddressinfo_numeric", "status 0x%08X, result %p", (unsigned)status, (void *)result);
    } else if (result->ai_family != AF_INET || result->ai_addrlen != sizeof(SOCKADDR_IN) || address->sin_family != AF_INET
               || RtlUshortByteSwap(address->sin_port) != 8080 || address->sin_addr.s_addr != RtlUlongByteSwap(INADDR_LOOPBACK)) {
        wsktest_fail("getaddressinfo_numeric", "family %d, addrlen %lu, port %u", result->ai_family, (unsigned long)result->ai_addrlen,
            RtlUshortByteSwap(address->sin_port));
    } else {
        wsktest_ok("getaddressinfo_numeric");
    }
    if (address != NULL) {
        t.Npi.Dispatch->WskFreeAddressInfo(t.Npi.Client, result);
    }

    /* Hints may not carry an address: refused, and *Result is NULL. */
    SOCKADDR_IN bogus = WsktestLoopback(1);
    hints.ai_addr = (struct sockaddr *)&bogus;
    result = (PADDRINFOEXW)(ULONG_PTR)0x1;
    NTSTATUS returned = t.Npi.Dispatch->WskGetAddressInfo(t.Npi.Client, &node, &service, NS_ALL, NULL, &hints, &result, NULL,
        NULL, SyncIrpArm(&t.Sync));
    status = SyncIrpWait(&t.Sync, returned);
    if (status != STATUS_INVALID_PARAMETER || returned != STATUS_INVALID_PARAMETER || result != NULL) {
        wsktest_fail("getaddressinfo_hints_with_address_refused", "returned 0x%08X, status 0x%08X, result %p", (unsigned)returned,
            (unsigned)status, (void *)result);
    } else {
        wsktest_ok("getaddressinfo_hints_with_address_refused");
    }
    WsktestStop(&t);
    return wsktest_failed == 0 ? 0 : 1;
}
