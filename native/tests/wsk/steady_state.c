/* The hot path allocates nothing managed: a send and a receive on a connected socket (and a sendto and a receivefrom on
 * datagram sockets), each on an IRP reused for every request, over MDLs made once. After a warm-up, the WSK layer's managed heap (WskSharpManagedAllocatedBytes: every
 * thread's allocations, the event loop's and the thread pool's included) must grow by less than one byte per round trip
 * over 2000 of them: one object per call would be at least 48,000 bytes, while the runtime's own occasional housekeeping
 * (a thread pool thread starting) is a few hundred, once. */
#include "wsktest.h"

static WSKTEST t;

static BOOLEAN RoundTrips(PWSK_SOCKET client, PWSK_SOCKET server, SYNC_IRP *send, SYNC_IRP *receive, PWSK_BUF out,
    PWSK_BUF in, int count)
{
    const WSK_PROVIDER_CONNECTION_DISPATCH *c = client->Dispatch, *s = server->Dispatch;
    for (int i = 0; i < count; i++) {
        NTSTATUS received = s->WskReceive(server, in, WSK_FLAG_WAITALL, SyncIrpArm(receive));
        if (SyncIrpWait(send, c->WskSend(client, out, 0, SyncIrpArm(send))) != STATUS_SUCCESS
            || SyncIrpWait(receive, received) != STATUS_SUCCESS || receive->Irp->IoStatus.Information != in->Length) {
            return FALSE;
        }
    }
    return TRUE;
}

/* The same for datagrams: WskReceiveFrom (with the sender and control flags written back) and WskSendTo on reused IRPs. */
static BOOLEAN DatagramRounds(PWSK_SOCKET a, PWSK_SOCKET b, SOCKADDR_IN *to, SYNC_IRP *send, SYNC_IRP *receive, PWSK_BUF out,
    PWSK_BUF in, int count)
{
    const WSK_PROVIDER_DATAGRAM_DISPATCH *da = a->Dispatch, *db = b->Dispatch;
    SOCKADDR_IN from;
    ULONG flags;
    for (int i = 0; i < count; i++) {
        NTSTATUS received = db->WskReceiveFrom(b, in, 0, (PSOCKADDR)&from, NULL, NULL, &flags, SyncIrpArm(receive));
        if (SyncIrpWait(send, da->WskSendTo(a, out, 0, (PSOCKADDR)to, 0, NULL, SyncIrpArm(send))) != STATUS_SUCCESS
            || SyncIrpWait(receive, received) != STATUS_SUCCESS || receive->Irp->IoStatus.Information != out->Length) {
            return FALSE;
        }
    }
    return TRUE;
}

static void DatagramSteadyState(void)
{
    SOCKADDR_IN aAddress, bAddress;
    PWSK_SOCKET a = WsktestDatagram(&t, NULL, NULL, &aAddress), b = WsktestDatagram(&t, NULL, NULL, &bAddress);
    if (a == NULL || b == NULL) {
        wsktest_fail("steady_state_datagram_no_managed_allocation", "no bound datagram sockets");
        return;
    }
    static UCHAR payload[256], sink[256];
    PMDL outMdl = WsktestMdl(payload, sizeof(payload)), inMdl = WsktestMdl(sink, sizeof(sink));
    WSK_BUF out = { outMdl, 0, sizeof(payload) }, in = { inMdl, 0, sizeof(sink) };
    SYNC_IRP send, receive;
    SyncIrpInit(&send);
    SyncIrpInit(&receive);
    BOOLEAN ok = DatagramRounds(a, b, &bAddress, &send, &receive, &out, &in, 500); /* warm-up */
    LONGLONG before = WskSharpManagedAllocatedBytes();
    ok = ok && DatagramRounds(a, b, &bAddress, &send, &receive, &out, &in, 2000);
    LONGLONG after = WskSharpManagedAllocatedBytes();
    printf("# managed bytes allocated over 2000 datagram sendto+receivefrom rounds: %lld\n", (long long)(after - before));
    if (!ok) {
        wsktest_fail("steady_state_datagram_no_managed_allocation", "a round failed");
    } else if (after - before >= 2000) {
        wsktest_fail("steady_state_datagram_no_managed_allocation", "%lld managed bytes allocated over 2000 rounds", (long long)(after - before));
    } else {
        wsktest_ok("steady_state_datagram_no_managed_allocation");
    }
    SyncIrpFree(&send);
    SyncIrpFree(&receive);
    IoFreeMdl(outMdl);
    IoFreeMdl(inMdl);
    WsktestClose(&t, a);
    WsktestClose(&t, b);
}

int main(void)
{
    NTSTATUS status = WsktestStart(&t);
    if (!NT_SUCCESS(status)) {
        wsktest_fail("register", "0x%08X", (unsigned)status);
        return 1;
    }
    USHORT port = 0;
    PWSK_SOCKET listener = WsktestListener(&t, &port, NULL, NULL);
    PWSK_SOCKET client, server;
    if (!NT_SUCCESS(WsktestPair(&t, listener, port, &client, &server, NULL, NULL))) {
        wsktest_fail("steady_state_no_managed_allocation", "no connected pair");
        return 1;
    }
    static UCHAR payload[256], sink[256];
    PMDL outMdl = WsktestMdl(payload, sizeof(payload)), inMdl = WsktestMdl(sink, sizeof(sink));
    WSK_BUF out = { outMdl, 0, sizeof(payload) }, in = { inMdl, 0, sizeof(sink) };
    SYNC_IRP send, receive;
    SyncIrpInit(&send);
    SyncIrpInit(&receive);

    BOOLEAN ok = RoundTrips(client, server, &send, &receive, &out, &in, 500); /* warm-up: pairings, pools, JIT-free AOT */
    LONGLONG before = WskSharpManagedAllocatedBytes();
    ok = ok && RoundTrips(client, server, &send, &receive, &out, &in, 2000);
    LONGLONG after = WskSharpManagedAllocatedBytes();
    printf("# managed bytes allocated over 2000 send+receive round trips: %lld\n", (long long)(after - before));
    if (!ok) {
        wsktest_fail("steady_state_no_managed_allocation", "a round trip failed");
    } else if (after - before >= 2000) {
        wsktest_fail("steady_state_no_managed_allocation", "%lld managed bytes allocated over 2000 round trips", (long long)(after - before));
    } else {
        wsktest_ok("steady_state_no_managed_allocation");
    }

    SyncIrpFree(&send);
    SyncIrpFree(&receive);
    IoFreeMdl(outMdl);
    IoFreeMdl(inMdl);
    WsktestClose(&t, client);
    WsktestClose(&t, server);
    WsktestClose(&t, listener);
    DatagramSteadyState();
    WsktestStop(&t);
    return wsktest_failed == 0 ? 0 : 1;
}
