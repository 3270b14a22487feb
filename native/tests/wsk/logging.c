/* The WSK layer's log reaches the driver's debug output: a C client's registration logs through DbgPrintEx
 * (DPFLTR_IHVNETWORK_ID), so what the layer reports is seen, not dropped. Provoked here with what its event loop
 * reports: a completion routine that holds the loop past the watchdog's 100 ms (it spins 300 ms: a precondition, not a
 * measurement; the assertion is only that the warning was printed). stderr is captured into a temporary file. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "wsktest.h"

static WSKTEST t;

static NTSTATUS HoldTheLoop(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    LARGE_INTEGER frequency, start = KeQueryPerformanceCounter(&frequency), now;
    do {
        now = KeQueryPerformanceCounter(NULL);
    } while (now.QuadPart - start.QuadPart < frequency.QuadPart * 3 / 10);
    SYNC_IRP *sync = Context;
    sync->Status = Irp->IoStatus.Status;
    KeSetEvent(&sync->Done, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

int main(void)
{
    /* stderr into a file from here on (DbgPrint writes to file descriptor 2). */
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    FILE *capture = tmpfile();
    if (saved < 0 || capture == NULL || dup2(fileno(capture), STDERR_FILENO) < 0) {
        wsktest_fail("wsk_layer_log_reaches_dbgprint", "could not capture stderr");
        return 1;
    }
    NTSTATUS status = WsktestStart(&t);
    if (!NT_SUCCESS(status)) {
        wsktest_fail("register", "0x%08X", (unsigned)status);
        return 1;
    }
    SOCKADDR_IN aAddress, bAddress;
    PWSK_SOCKET a = WsktestDatagram(&t, NULL, NULL, &aAddress), b = WsktestDatagram(&t, NULL, NULL, &bAddress);
    static UCHAR payload[8], sink[8];
    PMDL outMdl = WsktestMdl(payload, sizeof(payload)), inMdl = WsktestMdl(sink, sizeof(sink));
    WSK_BUF out = { outMdl, 0, sizeof(payload) }, in = { inMdl, 0, sizeof(sink) };
    SYNC_IRP receive;
    SyncIrpInit(&receive);
    NTSTATUS returned = STATUS_UNSUCCESSFUL, sent = STATUS_UNSUCCESSFUL;
    if (a != NULL && b != NULL) {
        const WSK_PROVIDER_DATAGRAM_DISPATCH *da = a->Dispatch, *db = b->Dispatch;
        SyncIrpArm(&receive);
        IoSetCompletionRoutine(receive.Irp, HoldTheLoop, &receive, TRUE, TRUE, TRUE);
        returned = db->WskReceiveFrom(b, &in, 0, NULL, NULL, NULL, NULL, receive.Irp);
        sent = SyncIrpWait(&t.Sync, da->WskSendTo(a, &out, 0, (PSOCKADDR)&bAddress, 0, NULL, SyncIrpArm(&t.Sync)));
    }
    NTSTATUS received = SyncIrpWait(&receive, returned);
    SyncIrpFree(&receive);
    IoFreeMdl(outMdl);
    IoFreeMdl(inMdl);
    if (a != NULL) {
        WsktestClose(&t, a);
    }
    if (b != NULL) {
        WsktestClose(&t, b);
    }
    WsktestStop(&t);

    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    static char text[16384];
    rewind(capture);
    size_t length = fread(text, 1, sizeof(text) - 1, capture);
    text[length] = 0;
    fclose(capture);
    fputs(text, stderr); /* what was captured, for the run's log */
    if (returned != STATUS_PENDING || sent != STATUS_SUCCESS || received != STATUS_SUCCESS) {
        wsktest_fail("wsk_layer_log_reaches_dbgprint", "receive returned 0x%08X (expected pending), send 0x%08X, receive 0x%08X",
            (unsigned)returned, (unsigned)sent, (unsigned)received);
    } else if (strstr(text, "DbgPrint: WskSharp: WskSharp.EventLoop[20] Warning: ") == NULL) {
        wsktest_fail("wsk_layer_log_reaches_dbgprint", "no event loop warning in the DbgPrint output (%zu bytes captured)", length);
    } else {
        wsktest_ok("wsk_layer_log_reaches_dbgprint");
    }
    return wsktest_failed == 0 ? 0 : 1;
}
