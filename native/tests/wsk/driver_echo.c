/* WSKTEST_DRIVER echo_driver: run.sh runs drivers/echo_driver.c under `wsk driver run`, then this program (a plain
 * WSK client) with the port the driver printed; it then stops the driver host and checks that the unload was clean. */
#include "wsktest.h"
#include <stdlib.h>

static WSKTEST t;

int main(int argc, char **argv)
{
    if (argc < 2) {
        wsktest_fail("driver_echo_round_trip", "usage: driver_echo PORT");
        return 1;
    }
    USHORT port = (USHORT)atoi(argv[1]);
    NTSTATUS status = WsktestStart(&t);
    if (!NT_SUCCESS(status)) {
        wsktest_fail("register", "0x%08X", (unsigned)status);
        return 1;
    }
    /* Two connections one after another: the driver's thread accepts the second after the first disconnects. */
    for (int connection = 0; connection < 2; connection++) {
        const char *name = connection == 0 ? "driver_echo_round_trip" : "driver_echo_second_connection";
        PWSK_SOCKET socket = WsktestBoundSocket(&t);
        SOCKADDR_IN server = WsktestLoopback(port);
        const WSK_PROVIDER_CONNECTION_DISPATCH *dispatch = socket->Dispatch;
        static UCHAR message[] = "hello, echo driver";
        PMDL mdl = WsktestMdl(message, sizeof(message) - 1);
        WSK_BUF buffer = { mdl, 0, sizeof(message) - 1 };
        status = SyncIrpWait(&t.Sync, dispatch->WskConnectEx(socket, (PSOCKADDR)&server, &buffer, 0, SyncIrpArm(&t.Sync)));
        UCHAR echo[64] = { 0 };
        PMDL echoMdl = WsktestMdl(echo, sizeof(echo));
        WSK_BUF receive = { echoMdl, 0, sizeof(message) - 1 };
        NTSTATUS received = status == STATUS_SUCCESS
            ? SyncIrpWait(&t.Sync, dispatch->WskReceive(socket, &receive, WSK_FLAG_WAITALL, SyncIrpArm(&t.Sync))) : status;
        if (received != STATUS_SUCCESS || t.Sync.Information != sizeof(message) - 1 || memcmp(echo, message, sizeof(message) - 1) != 0) {
            wsktest_fail(name, "connect 0x%08X, receive 0x%08X, \"%s\"", (unsigned)status, (unsigned)received, echo);
        } else {
            wsktest_ok(name);
        }
        SyncIrpWait(&t.Sync, dispatch->WskDisconnect(socket, NULL, 0, SyncIrpArm(&t.Sync)));
        WsktestClose(&t, socket);
        IoFreeMdl(echoMdl);
        IoFreeMdl(mdl);
    }
    WsktestStop(&t);
    return wsktest_failed == 0 ? 0 : 1;
}
