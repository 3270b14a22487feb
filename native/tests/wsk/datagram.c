/* Datagram sockets through the C face: WskSocket of WSK_FLAG_DATAGRAM_SOCKET hands out a WSK_PROVIDER_DATAGRAM_DISPATCH,
 * called by name as a driver calls it. WskSendTo/WskReceiveFrom on loopback (the sender's address written back), a
 * datagram longer than the buffer (STATUS_BUFFER_OVERFLOW, MSG_TRUNC), WskSendMessages, a fixed remote
 * (SIO_WSK_SET_SENDTO_ADDRESS), the WskReceiveFromEvent callback with a WSK_DATAGRAM_INDICATION list kept and given back
 * with WskRelease (three datagrams waiting: one event, one list of three), WskCloseSocket from inside that callback (it
 * completes once the callback has returned), and the bad inputs the WSK layer refuses, each returned and put in the IRP
 * with the routine run once. */
#include "wsktest.h"

#include <string.h>

static WSKTEST t;

static const WSK_PROVIDER_DATAGRAM_DISPATCH *Dg(PWSK_SOCKET socket)
{
    return socket->Dispatch;
}

/* A datagram socket of AF_INET (NULL on failure, status in *Status). */
static PWSK_SOCKET DgSocket(USHORT socketType, ULONG protocol, ULONG flags, PVOID context, const VOID *dispatch, NTSTATUS *status)
{
    NTSTATUS s = SyncIrpWait(&t.Sync, t.Npi.Dispatch->WskSocket(t.Npi.Client, AF_INET, socketType, protocol, flags, context, dispatch,
        NULL, NULL, NULL, SyncIrpArm(&t.Sync)));
    if (status != NULL) {
        *status = s;
    }
    return NT_SUCCESS(s) ? (PWSK_SOCKET)t.Sync.Irp->IoStatus.Information : NULL;
}

static NTSTATUS SendTo(PWSK_SOCKET socket, PVOID data, ULONG length, SOCKADDR_IN *remote)
{
    PMDL mdl = WsktestMdl(data, length);
    WSK_BUF buffer = { mdl, 0, length };
    NTSTATUS status = SyncIrpWait(&t.Sync, Dg(socket)->WskSendTo(socket, &buffer, 0, (PSOCKADDR)remote, 0, NULL, SyncIrpArm(&t.Sync)));
    IoFreeMdl(mdl);
    return status;
}

/* A refusal as every WSK call makes one: returned, in the IRP, the routine run once, not pending. */
static void ExpectRefused(const char *name, NTSTATUS expected, NTSTATUS returned)
{
    NTSTATUS status = SyncIrpWait(&t.Sync, returned);
    if (returned != expected || status != expected || t.Sync.Calls != 1 || t.Sync.PendingReturned) {
        wsktest_fail(name, "returned 0x%08X, IRP 0x%08X (expected 0x%08X), %ld routine calls, PendingReturned %d", (unsigned)returned,
            (unsigned)status, (unsigned)expected, (long)t.Sync.Calls, t.Sync.PendingReturned);
    } else {
        wsktest_ok(name);
    }
}

static void DatagramTable(void)
{
    NTSTATUS status;
    PWSK_SOCKET socket = DgSocket(SOCK_DGRAM, IPPROTO_UDP, WSK_FLAG_DATAGRAM_SOCKET, NULL, NULL, &status);
    if (socket == NULL) {
        wsktest_fail("datagram_socket_made", "WskSocket: 0x%08X", (unsigned)status);
        return;
    }
    const WSK_PROVIDER_DATAGRAM_DISPATCH *d = Dg(socket);
    if (d->WskControlSocket == NULL || d->Basic.WskCloseSocket == NULL || d->WskBind == NULL || d->WskSendTo == NULL
        || d->WskReceiveFrom == NULL || d->WskRelease == NULL || d->WskGetLocalAddress == NULL || d->WskSendMessages == NULL) {
        wsktest_fail("datagram_socket_made", "a member of the datagram table is NULL");
    } else {
        wsktest_ok("datagram_socket_made");
    }
    /* Bad inputs before any bind: send and receive need a bound socket. */
    static UCHAR byte[1];
    PMDL mdl = WsktestMdl(byte, 1);
    WSK_BUF one = { mdl, 0, 1 };
    SOCKADDR_IN somewhere = WsktestLoopback(9);
    ExpectRefused("datagram_sendto_unbound_refused", STATUS_INVALID_DEVICE_STATE,
        d->WskSendTo(socket, &one, 0, (PSOCKADDR)&somewhere, 0, NULL, SyncIrpArm(&t.Sync)));
    ExpectRefused("datagram_sendto_no_remote_refused", STATUS_INVALID_PARAMETER,
        d->WskSendTo(socket, &one, 0, NULL, 0, NULL, SyncIrpArm(&t.Sync)));
    ExpectRefused("datagram_receivefrom_unbound_refused", STATUS_INVALID_DEVICE_STATE,
        d->WskReceiveFrom(socket, &one, 0, NULL, NULL, NULL, NULL, SyncIrpArm(&t.Sync)));
    IoFreeMdl(mdl);
    WsktestClose(&t, socket);
}

static void SendReceive(PWSK_SOCKET a, SOCKADDR_IN *aAddress, PWSK_SOCKET b, SOCKADDR_IN *bAddress)
{
    static UCHAR payload[5] = { 'h', 'e', 'l', 'l', 'o' }, sink[64];
    PMDL inMdl = WsktestMdl(sink, sizeof(sink));
    WSK_BUF in = { inMdl, 0, sizeof(sink) };
    SYNC_IRP receive;
    SyncIrpInit(&receive);
    SOCKADDR_IN from;
    memset(&from, 0xCC, sizeof(from));
    ULONG controlLength = 0, controlFlags = 0xFFFF;
    NTSTATUS returned = Dg(b)->WskReceiveFrom(b, &in, 0, (PSOCKADDR)&from, &controlLength, NULL, &controlFlags, SyncIrpArm(&receive));
    NTSTATUS sent = SendTo(a, payload, sizeof(payload), bAddress);
    ULONG_PTR sentBytes = t.Sync.Information;
    NTSTATUS status = SyncIrpWait(&receive, returned);
    if (sent != STATUS_SUCCESS || sentBytes != sizeof(payload)) {
        wsktest_fail("datagram_sendto_receivefrom", "WskSendTo: 0x%08X, Information %lu", (unsigned)sent, (unsigned long)sentBytes);
    } else if (status != STATUS_SUCCESS || receive.Information != sizeof(payload) || memcmp(sink, payload, sizeof(payload)) != 0) {
        wsktest_fail("datagram_sendto_receivefrom", "WskReceiveFrom: 0x%08X, Information %lu", (unsigned)status,
            (unsigned long)receive.Information);
    } else if (returned == STATUS_PENDING && receive.PendingReturned != TRUE) {
        wsktest_fail("datagram_sendto_receivefrom", "returned STATUS_PENDING but PendingReturned is %d", receive.PendingReturned);
    } else if (from.sin_family != AF_INET || from.sin_port != aAddress->sin_port || from.sin_addr.s_addr != aAddress->sin_addr.s_addr
        || controlLength != 0 || controlFlags != 0) {
        wsktest_fail("datagram_sendto_receivefrom", "sender family %u port %u (expected %u), control length %lu, flags 0x%lx",
            from.sin_family, RtlUshortByteSwap(from.sin_port), RtlUshortByteSwap(aAddress->sin_port), (unsigned long)controlLength,
            (unsigned long)controlFlags);
    } else {
        wsktest_ok("datagram_sendto_receivefrom");
    }

    /* Longer than the buffer: the bytes that fit, STATUS_BUFFER_OVERFLOW, MSG_TRUNC. */
    static UCHAR ten[10] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
    WSK_BUF four = { inMdl, 0, 4 };
    controlFlags = 0;
    returned = Dg(b)->WskReceiveFrom(b, &four, 0, (PSOCKADDR)&from, NULL, NULL, &controlFlags, SyncIrpArm(&receive));
    sent = SendTo(a, ten, sizeof(ten), bAddress);
    status = SyncIrpWait(&receive, returned);
    if (sent != STATUS_SUCCESS || status != STATUS_BUFFER_OVERFLOW || receive.Information != 4 || memcmp(sink, ten, 4) != 0
        || (controlFlags & MSG_TRUNC) == 0) {
        wsktest_fail("datagram_too_long_buffer_overflow", "send 0x%08X, receive 0x%08X, Information %lu, flags 0x%lx", (unsigned)sent,
            (unsigned)status, (unsigned long)receive.Information, (unsigned long)controlFlags);
    } else {
        wsktest_ok("datagram_too_long_buffer_overflow");
    }

    /* WskSendMessages: each entry one datagram, in order; Information the bytes of them all. */
    static UCHAR first[3] = { 'a', 'b', 'c' }, second[2] = { 'd', 'e' };
    PMDL firstMdl = WsktestMdl(first, sizeof(first)), secondMdl = WsktestMdl(second, sizeof(second));
    WSK_BUF_LIST entries[2] = { { &entries[1], { firstMdl, 0, sizeof(first) } }, { NULL, { secondMdl, 0, sizeof(second) } } };
    sent = SyncIrpWait(&t.Sync, Dg(a)->WskSendMessages(a, entries, 0, (PSOCKADDR)bAddress, 0, NULL, SyncIrpArm(&t.Sync)));
    sentBytes = t.Sync.Information;
    NTSTATUS got1 = SyncIrpWait(&receive, Dg(b)->WskReceiveFrom(b, &in, 0, NULL, NULL, NULL, NULL, SyncIrpArm(&receive)));
    ULONG_PTR length1 = receive.Information;
    BOOLEAN same1 = memcmp(sink, first, sizeof(first)) == 0;
    NTSTATUS got2 = SyncIrpWait(&receive, Dg(b)->WskReceiveFrom(b, &in, 0, NULL, NULL, NULL, NULL, SyncIrpArm(&receive)));
    ULONG_PTR length2 = receive.Information;
    BOOLEAN same2 = memcmp(sink, second, sizeof(second)) == 0;
    if (sent != STATUS_SUCCESS || sentBytes != 5 || got1 != STATUS_SUCCESS || length1 != 3 || !same1 || got2 != STATUS_SUCCESS
        || length2 != 2 || !same2) {
        wsktest_fail("datagram_send_messages", "send 0x%08X (%lu bytes), receives 0x%08X (%lu) 0x%08X (%lu)", (unsigned)sent,
            (unsigned long)sentBytes, (unsigned)got1, (unsigned long)length1, (unsigned)got2, (unsigned long)length2);
    } else {
        wsktest_ok("datagram_send_messages");
    }
    IoFreeMdl(firstMdl);
    IoFreeMdl(secondMdl);

    /* A fixed destination: SIO_WSK_SET_SENDTO_ADDRESS, then WskSendTo with no RemoteAddress. */
    NTSTATUS fixed = SyncIrpWait(&t.Sync, Dg(a)->WskControlSocket(a, WskIoctl, SIO_WSK_SET_SENDTO_ADDRESS, 0, sizeof(*bAddress), bAddress,
        0, NULL, NULL, SyncIrpArm(&t.Sync)));
    returned = Dg(b)->WskReceiveFrom(b, &in, 0, NULL, NULL, NULL, NULL, SyncIrpArm(&receive));
    sent = SendTo(a, payload, sizeof(payload), NULL);
    status = SyncIrpWait(&receive, returned);
    if (fixed != STATUS_SUCCESS || sent != STATUS_SUCCESS || status != STATUS_SUCCESS || receive.Information != sizeof(payload)) {
        wsktest_fail("datagram_sendto_fixed_address", "ioctl 0x%08X, send 0x%08X, receive 0x%08X", (unsigned)fixed, (unsigned)sent,
            (unsigned)status);
    } else {
        wsktest_ok("datagram_sendto_fixed_address");
    }

    /* IP_PKTINFO: the datagram's destination comes back as control data in the caller's buffer, WSACMSGHDR first. */
    ULONG on = 1;
    NTSTATUS option = SyncIrpWait(&t.Sync, Dg(b)->WskControlSocket(b, WskSetOption, IP_PKTINFO, IPPROTO_IP, sizeof(on), &on, 0, NULL, NULL,
        SyncIrpArm(&t.Sync)));
    static ULONGLONG control[8]; /* 8-aligned, as a WSACMSGHDR needs */
    memset(control, 0xCC, sizeof(control));
    controlLength = sizeof(control);
    controlFlags = 0xFFFF;
    returned = Dg(b)->WskReceiveFrom(b, &in, 0, NULL, &controlLength, (PCMSGHDR)control, &controlFlags, SyncIrpArm(&receive));
    sent = SendTo(a, payload, sizeof(payload), bAddress);
    status = SyncIrpWait(&receive, returned);
    PCMSGHDR header = (PCMSGHDR)control;
    PIN_PKTINFO info = (PIN_PKTINFO)WSA_CMSG_DATA(header);
    if (option != STATUS_SUCCESS || sent != STATUS_SUCCESS || status != STATUS_SUCCESS) {
        wsktest_fail("datagram_receivefrom_packet_info", "option 0x%08X, send 0x%08X, receive 0x%08X", (unsigned)option, (unsigned)sent,
            (unsigned)status);
    } else if (controlLength != WSA_CMSG_SPACE(sizeof(IN_PKTINFO)) || header->cmsg_len != WSA_CMSG_LEN(sizeof(IN_PKTINFO))
        || header->cmsg_level != IPPROTO_IP || header->cmsg_type != IP_PKTINFO || info->ipi_addr.s_addr != bAddress->sin_addr.s_addr
        || controlFlags != 0) {
        wsktest_fail("datagram_receivefrom_packet_info", "ControlLength %lu, cmsg_len %lu, level %d, type %d, flags 0x%lx",
            (unsigned long)controlLength, (unsigned long)header->cmsg_len, header->cmsg_level, header->cmsg_type, (unsigned long)controlFlags);
    } else {
        wsktest_ok("datagram_receivefrom_packet_info");
    }
    on = 0;
    SyncIrpWait(&t.Sync, Dg(b)->WskControlSocket(b, WskSetOption, IP_PKTINFO, IPPROTO_IP, sizeof(on), &on, 0, NULL, NULL, SyncIrpArm(&t.Sync)));
    SyncIrpFree(&receive);
    IoFreeMdl(inMdl);
}

/* ---- WskReceiveFromEvent ---- */
typedef struct _EVENT_SOCKET {
    KEVENT Arrived;
    NTSTATUS Answer; /* what the callback returns */
    PWSK_DATAGRAM_INDICATION List;
    UCHAR Data[64];
    ULONG Length;
    USHORT FromPort;
    ULONG ControlInfoLength;
    INT ControlLevel, ControlType;
    KIRQL Irql;
    LONG Calls;
} EVENT_SOCKET;

static NTSTATUS ReceiveFromEvent(PVOID SocketContext, ULONG Flags, PWSK_DATAGRAM_INDICATION DataIndication)
{
    UNREFERENCED_PARAMETER(Flags);
    EVENT_SOCKET *e = SocketContext;
    NTSTATUS answer = e->Answer; /* read before signalling: the test changes it once woken */
    e->Irql = KeGetCurrentIrql();
    e->List = DataIndication;
    if (DataIndication != NULL) {
        PUCHAR bytes = MmGetSystemAddressForMdlSafe(DataIndication->Buffer.Mdl, NormalPagePriority);
        e->Length = (ULONG)DataIndication->Buffer.Length;
        memcpy(e->Data, bytes + DataIndication->Buffer.Offset, e->Length < sizeof(e->Data) ? e->Length : sizeof(e->Data));
        e->FromPort = RtlUshortByteSwap(((PSOCKADDR_IN)DataIndication->RemoteAddress)->sin_port);
        e->ControlInfoLength = DataIndication->ControlInfoLength;
        e->ControlLevel = DataIndication->ControlInfo == NULL ? -1 : DataIndication->ControlInfo->cmsg_level;
        e->ControlType = DataIndication->ControlInfo == NULL ? -1 : DataIndication->ControlInfo->cmsg_type;
    }
    InterlockedIncrement(&e->Calls);
    KeSetEvent(&e->Arrived, IO_NO_INCREMENT, FALSE);
    return answer;
}

static const WSK_CLIENT_DATAGRAM_DISPATCH EventDispatch = { ReceiveFromEvent };

static BOOLEAN WaitArrived(EVENT_SOCKET *e)
{
    LARGE_INTEGER timeout;
    timeout.QuadPart = -20LL * 1000 * 1000 * 10; /* a hang guard, not a measurement */
    return KeWaitForSingleObject(&e->Arrived, Executive, KernelMode, FALSE, &timeout) == STATUS_SUCCESS;
}

static void ReceiveFromEvents(PWSK_SOCKET a, SOCKADDR_IN *aAddress)
{
    static EVENT_SOCKET e;
    KeInitializeEvent(&e.Arrived, SynchronizationEvent, FALSE);
    e.Answer = STATUS_PENDING;
    SOCKADDR_IN address;
    PWSK_SOCKET b = WsktestDatagram(&t, &e, &EventDispatch, &address);
    if (b == NULL) {
        wsktest_fail("datagram_receive_from_event_kept_then_released", "no bound socket");
        return;
    }
    /* Only WSK_EVENT_RECEIVE_FROM on a datagram socket; a stream event is refused. */
    WSK_EVENT_CALLBACK_CONTROL wrong = { &NPI_WSK_INTERFACE_ID, WSK_EVENT_RECEIVE };
    NTSTATUS refused = Dg(b)->WskControlSocket(b, WskSetOption, SO_WSK_EVENT_CALLBACK, SOL_SOCKET, sizeof(wrong), &wrong, 0, NULL, NULL, NULL);
    if (refused != STATUS_INVALID_PARAMETER) {
        wsktest_fail("datagram_stream_event_refused", "0x%08X", (unsigned)refused);
    } else {
        wsktest_ok("datagram_stream_event_refused");
    }
    WSK_EVENT_CALLBACK_CONTROL control = { &NPI_WSK_INTERFACE_ID, WSK_EVENT_RECEIVE_FROM };
    NTSTATUS enabled = Dg(b)->WskControlSocket(b, WskSetOption, SO_WSK_EVENT_CALLBACK, SOL_SOCKET, sizeof(control), &control, 0, NULL, NULL,
        NULL);
    static UCHAR payload[4] = { 'p', 'i', 'n', 'g' };
    NTSTATUS sent = SendTo(a, payload, sizeof(payload), &address);
    if (enabled != STATUS_SUCCESS || sent != STATUS_SUCCESS || !WaitArrived(&e)) {
        wsktest_fail("datagram_receive_from_event_kept_then_released", "enable 0x%08X, send 0x%08X, event called %ld times",
            (unsigned)enabled, (unsigned)sent, (long)e.Calls);
        WsktestClose(&t, b);
        return;
    }
    PWSK_DATAGRAM_INDICATION kept = e.List;
    BOOLEAN indicationOk = kept != NULL && e.Length == sizeof(payload) && memcmp(e.Data, payload, sizeof(payload)) == 0
        && e.FromPort == RtlUshortByteSwap(aAddress->sin_port) && e.ControlInfoLength == 0 && kept->Next == NULL;
    KIRQL irql = e.Irql;

    /* The callback signals before it returns STATUS_PENDING: the list is certainly kept once the next datagram's callback
     * has begun (a socket's events run one after the other). That one is consumed (STATUS_SUCCESS), with IP_PKTINFO on, so
     * its indication carries the packet information as its ControlInfo. */
    e.Answer = STATUS_SUCCESS;
    ULONG on = 1;
    NTSTATUS option = SyncIrpWait(&t.Sync, Dg(b)->WskControlSocket(b, WskSetOption, IP_PKTINFO, IPPROTO_IP, sizeof(on), &on, 0, NULL, NULL,
        SyncIrpArm(&t.Sync)));
    sent = SendTo(a, payload, 2, &address);
    BOOLEAN second = option == STATUS_SUCCESS && sent == STATUS_SUCCESS && WaitArrived(&e) && e.Length == 2;

    if (!indicationOk) {
        wsktest_fail("datagram_receive_from_event_kept_then_released", "indication: length %lu, from port %u, control %lu",
            (unsigned long)e.Length, e.FromPort, (unsigned long)e.ControlInfoLength);
    } else if (irql != DISPATCH_LEVEL) {
        wsktest_fail("datagram_receive_from_event_kept_then_released", "the callback ran at IRQL %u, not DISPATCH_LEVEL", irql);
    } else if (!second) {
        wsktest_fail("datagram_receive_from_event_kept_then_released", "the second datagram: option 0x%08X, send 0x%08X", (unsigned)option,
            (unsigned)sent);
    } else {
        /* Kept: still readable until WskRelease gives it back; a second release is refused. While it is kept, the verifier's
         * report lists it (the WDK requires every kept list released before WskCloseSocket). */
        PUCHAR bytes = MmGetSystemAddressForMdlSafe(kept->Buffer.Mdl, NormalPagePriority);
        BOOLEAN readable = memcmp(bytes + kept->Buffer.Offset, payload, sizeof(payload)) == 0;
        static char report[2048];
        WskSharpVerifierReport(report, sizeof(report));
        BOOLEAN reported = strstr(report, "INDICATION_LEAK at unload: 1 ") != NULL;
        NTSTATUS released = Dg(b)->WskRelease(b, kept);
        NTSTATUS again = Dg(b)->WskRelease(b, kept);
        WskSharpVerifierReport(report, sizeof(report));
        BOOLEAN cleared = strstr(report, "INDICATION_LEAK") == NULL;
        if (!readable || released != STATUS_SUCCESS || again != STATUS_INVALID_PARAMETER) {
            wsktest_fail("datagram_receive_from_event_kept_then_released", "readable %d, WskRelease 0x%08X, again 0x%08X", readable,
                (unsigned)released, (unsigned)again);
        } else {
            wsktest_ok("datagram_receive_from_event_kept_then_released");
        }
        if (!reported || !cleared) {
            wsktest_fail("verifier_reports_kept_indication_list", "listed while kept %d, gone once released %d", reported, cleared);
        } else {
            wsktest_ok("verifier_reports_kept_indication_list");
        }

        /* Consumed: the list is the provider's again at once, so WskRelease of it is refused. */
        if (e.ControlInfoLength != WSA_CMSG_SPACE(sizeof(IN_PKTINFO)) || e.ControlLevel != IPPROTO_IP || e.ControlType != IP_PKTINFO) {
            wsktest_fail("datagram_receive_from_event_consumed", "ControlInfoLength %lu, level %d, type %d", (unsigned long)e.ControlInfoLength,
                e.ControlLevel, e.ControlType);
        } else {
            /* Its event has certainly returned once the next one has begun (a release while an event runs is taken, as
             * the list may be the driver's); that one's datagram is larger, so its list's block is not this one's memory
             * again. */
            PWSK_DATAGRAM_INDICATION consumed = e.List;
            static UCHAR larger[200];
            NTSTATUS third = SendTo(a, larger, sizeof(larger), &address);
            BOOLEAN begun = third == STATUS_SUCCESS && WaitArrived(&e);
            NTSTATUS releasedConsumed = begun ? Dg(b)->WskRelease(b, consumed) : third;
            if (releasedConsumed != STATUS_INVALID_PARAMETER) {
                wsktest_fail("datagram_receive_from_event_consumed", "WskRelease of a consumed list: 0x%08X", (unsigned)releasedConsumed);
            } else {
                wsktest_ok("datagram_receive_from_event_consumed");
            }
        }
    }
    WsktestClose(&t, b);
}

/* ---- Several datagrams waiting: one WskReceiveFromEvent, its list linked through Next ---- */
typedef struct _LIST_SOCKET {
    KEVENT Arrived;
    PWSK_DATAGRAM_INDICATION List;
    ULONG Entries;
    UCHAR First[3]; /* each entry's first byte, in list order */
    LONG Calls;
    PWSK_SOCKET Socket;
    BOOLEAN ReleaseInside; /* as a driver whose worker releases the list before the event has returned */
    NTSTATUS ReleasedInside, AgainInside;
} LIST_SOCKET;

static NTSTATUS ListEvent(PVOID SocketContext, ULONG Flags, PWSK_DATAGRAM_INDICATION DataIndication)
{
    UNREFERENCED_PARAMETER(Flags);
    LIST_SOCKET *e = SocketContext;
    e->List = DataIndication;
    e->Entries = 0;
    for (PWSK_DATAGRAM_INDICATION i = DataIndication; i != NULL; i = i->Next) {
        PUCHAR bytes = MmGetSystemAddressForMdlSafe(i->Buffer.Mdl, NormalPagePriority);
        if (e->Entries < sizeof(e->First)) {
            e->First[e->Entries] = bytes[i->Buffer.Offset];
        }
        e->Entries++;
    }
    if (e->ReleaseInside) {
        e->ReleasedInside = Dg(e->Socket)->WskRelease(e->Socket, DataIndication);
        e->AgainInside = Dg(e->Socket)->WskRelease(e->Socket, DataIndication);
    }
    InterlockedIncrement(&e->Calls);
    KeSetEvent(&e->Arrived, IO_NO_INCREMENT, FALSE);
    return STATUS_PENDING; /* kept, the whole list, until WskRelease */
}

static const WSK_CLIENT_DATAGRAM_DISPATCH ListDispatch = { ListEvent };

static void ReceiveFromEventList(PWSK_SOCKET a)
{
    static LIST_SOCKET e;
    KeInitializeEvent(&e.Arrived, SynchronizationEvent, FALSE);
    SOCKADDR_IN address;
    PWSK_SOCKET b = WsktestDatagram(&t, &e, &ListDispatch, &address);
    if (b == NULL) {
        wsktest_fail("datagram_receive_from_event_list", "no bound socket");
        return;
    }
    e.Socket = b;
    /* Three wait before the event is on (on loopback each is queued when its send returns): one event gets all three.
     * The callback signals before it returns STATUS_PENDING, so the WskRelease below may come before or after that. */
    static UCHAR one[1] = { 1 }, two[2] = { 2, 2 }, three[3] = { 3, 3, 3 };
    NTSTATUS sent = SendTo(a, one, sizeof(one), &address);
    sent = NT_SUCCESS(sent) ? SendTo(a, two, sizeof(two), &address) : sent;
    sent = NT_SUCCESS(sent) ? SendTo(a, three, sizeof(three), &address) : sent;
    WSK_EVENT_CALLBACK_CONTROL control = { &NPI_WSK_INTERFACE_ID, WSK_EVENT_RECEIVE_FROM };
    NTSTATUS enabled = Dg(b)->WskControlSocket(b, WskSetOption, SO_WSK_EVENT_CALLBACK, SOL_SOCKET, sizeof(control), &control, 0, NULL, NULL,
        NULL);
    LARGE_INTEGER timeout;
    timeout.QuadPart = -20LL * 1000 * 1000 * 10; /* a hang guard, not a measurement */
    if (sent != STATUS_SUCCESS || enabled != STATUS_SUCCESS
        || KeWaitForSingleObject(&e.Arrived, Executive, KernelMode, FALSE, &timeout) != STATUS_SUCCESS) {
        wsktest_fail("datagram_receive_from_event_list", "send 0x%08X, enable 0x%08X, event called %ld times", (unsigned)sent,
            (unsigned)enabled, (long)e.Calls);
        WsktestClose(&t, b);
        return;
    }
    /* Kept: the list stays readable, entry by entry, until one WskRelease of its head gives it all back. */
    PWSK_DATAGRAM_INDICATION list = e.List;
    BOOLEAN lengths = e.Entries == 3 && list->Buffer.Length == 1 && list->Next->Buffer.Length == 2 && list->Next->Next->Buffer.Length == 3;
    PUCHAR last = lengths ? MmGetSystemAddressForMdlSafe(list->Next->Next->Buffer.Mdl, NormalPagePriority) : NULL;
    BOOLEAN readable = last != NULL && memcmp(last + list->Next->Next->Buffer.Offset, three, sizeof(three)) == 0;
    NTSTATUS released = Dg(b)->WskRelease(b, list);
    NTSTATUS again = Dg(b)->WskRelease(b, list);
    if (e.Calls != 1 || !lengths || e.First[0] != 1 || e.First[1] != 2 || e.First[2] != 3 || !readable) {
        wsktest_fail("datagram_receive_from_event_list", "%ld events, %lu entries, first bytes %u %u %u, readable %d", (long)e.Calls,
            (unsigned long)e.Entries, e.First[0], e.First[1], e.First[2], readable);
    } else if (released != STATUS_SUCCESS || again != STATUS_INVALID_PARAMETER) {
        wsktest_fail("datagram_receive_from_event_list", "WskRelease of the list 0x%08X, again 0x%08X", (unsigned)released, (unsigned)again);
    } else {
        wsktest_ok("datagram_receive_from_event_list");
    }

    /* Released by the event itself before it returns STATUS_PENDING: given back once (the second is refused), nothing
     * left kept (datagram_verifier_clean checks at the end). */
    e.ReleaseInside = TRUE;
    sent = SendTo(a, one, sizeof(one), &address);
    if (sent != STATUS_SUCCESS || KeWaitForSingleObject(&e.Arrived, Executive, KernelMode, FALSE, &timeout) != STATUS_SUCCESS) {
        wsktest_fail("datagram_receive_from_event_list_released_before_return", "send 0x%08X, %ld events", (unsigned)sent, (long)e.Calls);
    } else if (e.ReleasedInside != STATUS_SUCCESS || e.AgainInside != STATUS_INVALID_PARAMETER) {
        wsktest_fail("datagram_receive_from_event_list_released_before_return", "WskRelease in the event 0x%08X, again 0x%08X",
            (unsigned)e.ReleasedInside, (unsigned)e.AgainInside);
    } else {
        wsktest_ok("datagram_receive_from_event_list_released_before_return");
    }
    WsktestClose(&t, b);
}

/* ---- WskCloseSocket from inside WskReceiveFromEvent: the close waits for the callback's return ---- */
typedef struct _CLOSING_SOCKET {
    PWSK_SOCKET Socket;
    SYNC_IRP Close;
    volatile LONG InCallback;
    LONG CompletedInCallback;
    LONG Calls;
    NTSTATUS Returned;
} CLOSING_SOCKET;

static NTSTATUS ClosingCompleted(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    CLOSING_SOCKET *c = Context;
    c->CompletedInCallback = c->InCallback;
    return SyncIrpCompleted(DeviceObject, Irp, &c->Close);
}

static NTSTATUS ClosingEvent(PVOID SocketContext, ULONG Flags, PWSK_DATAGRAM_INDICATION DataIndication)
{
    UNREFERENCED_PARAMETER(Flags);
    UNREFERENCED_PARAMETER(DataIndication);
    CLOSING_SOCKET *c = SocketContext;
    if (InterlockedIncrement(&c->Calls) == 1) {
        InterlockedExchange(&c->InCallback, 1);
        c->Returned = Dg(c->Socket)->WskCloseSocket(c->Socket, c->Close.Irp);
        InterlockedExchange(&c->InCallback, 0);
    }
    return STATUS_SUCCESS;
}

static const WSK_CLIENT_DATAGRAM_DISPATCH ClosingDispatch = { ClosingEvent };

static void CloseInsideReceiveFromEvent(PWSK_SOCKET a)
{
    static CLOSING_SOCKET c;
    SyncIrpInit(&c.Close);
    SyncIrpArm(&c.Close);
    IoSetCompletionRoutine(c.Close.Irp, ClosingCompleted, &c, TRUE, TRUE, TRUE);
    SOCKADDR_IN address;
    c.Socket = WsktestDatagram(&t, &c, &ClosingDispatch, &address);
    if (c.Socket == NULL) {
        wsktest_fail("datagram_close_inside_receive_from_event", "no bound socket");
        SyncIrpFree(&c.Close);
        return;
    }
    WSK_EVENT_CALLBACK_CONTROL control = { &NPI_WSK_INTERFACE_ID, WSK_EVENT_RECEIVE_FROM };
    NTSTATUS enabled = Dg(c.Socket)->WskControlSocket(c.Socket, WskSetOption, SO_WSK_EVENT_CALLBACK, SOL_SOCKET, sizeof(control), &control,
        0, NULL, NULL, NULL);
    static UCHAR payload[1] = { 7 };
    NTSTATUS sent = enabled == STATUS_SUCCESS ? SendTo(a, payload, sizeof(payload), &address) : enabled;
    /* The close comes from the event, so its IRP completing is what says the event ran (a hang guard of 20 s). */
    NTSTATUS closed = sent == STATUS_SUCCESS ? SyncIrpWait(&c.Close, STATUS_PENDING) : sent;
    if (closed != STATUS_SUCCESS || c.Calls != 1) {
        wsktest_fail("datagram_close_inside_receive_from_event", "enable 0x%08X, send 0x%08X, close 0x%08X, %ld events", (unsigned)enabled,
            (unsigned)sent, (unsigned)closed, (long)c.Calls);
        if (c.Calls == 0) {
            WsktestClose(&t, c.Socket);
        }
    } else if (c.Returned != STATUS_PENDING || !c.Close.PendingReturned || c.CompletedInCallback) {
        /* In-progress callbacks return before a close completes: PENDING, then completed once the event has returned. */
        wsktest_fail("datagram_close_inside_receive_from_event", "WskCloseSocket returned 0x%08X, PendingReturned %d, completed in the event %ld",
            (unsigned)c.Returned, c.Close.PendingReturned, (long)c.CompletedInCallback);
    } else {
        wsktest_ok("datagram_close_inside_receive_from_event");
    }
    SyncIrpFree(&c.Close);
}

/* IPv6: the 28-byte SOCKADDR_IN6 goes in (WskBind, WskSendTo) and comes back (WskGetLocalAddress, WskReceiveFrom). */
static PWSK_SOCKET Bound6(SOCKADDR_IN6 *address)
{
    NTSTATUS status = SyncIrpWait(&t.Sync, t.Npi.Dispatch->WskSocket(t.Npi.Client, AF_INET6, SOCK_DGRAM, IPPROTO_UDP,
        WSK_FLAG_DATAGRAM_SOCKET, NULL, NULL, NULL, NULL, NULL, SyncIrpArm(&t.Sync)));
    if (!NT_SUCCESS(status)) {
        return NULL;
    }
    PWSK_SOCKET socket = (PWSK_SOCKET)t.Sync.Irp->IoStatus.Information;
    SOCKADDR_IN6 loopback;
    memset(&loopback, 0, sizeof(loopback));
    loopback.sin6_family = AF_INET6;
    loopback.sin6_addr.s6_addr[15] = 1;
    if (!NT_SUCCESS(SyncIrpWait(&t.Sync, Dg(socket)->WskBind(socket, (PSOCKADDR)&loopback, 0, SyncIrpArm(&t.Sync))))
        || !NT_SUCCESS(SyncIrpWait(&t.Sync, Dg(socket)->WskGetLocalAddress(socket, (PSOCKADDR)address, SyncIrpArm(&t.Sync))))) {
        WsktestClose(&t, socket);
        return NULL;
    }
    return socket;
}

static void Ipv6(void)
{
    SOCKADDR_IN6 aAddress, bAddress, from;
    PWSK_SOCKET a = Bound6(&aAddress), b = Bound6(&bAddress);
    if (a == NULL || b == NULL) {
        wsktest_fail("datagram_ipv6_sendto_receivefrom", "no bound AF_INET6 datagram sockets on ::1");
    } else {
        static UCHAR payload[6] = { 'i', 'p', 'v', '6', '!', '!' }, sink[16];
        PMDL outMdl = WsktestMdl(payload, sizeof(payload)), inMdl = WsktestMdl(sink, sizeof(sink));
        WSK_BUF out = { outMdl, 0, sizeof(payload) }, in = { inMdl, 0, sizeof(sink) };
        SYNC_IRP receive;
        SyncIrpInit(&receive);
        memset(&from, 0xCC, sizeof(from));
        NTSTATUS returned = Dg(b)->WskReceiveFrom(b, &in, 0, (PSOCKADDR)&from, NULL, NULL, NULL, SyncIrpArm(&receive));
        NTSTATUS sent = SyncIrpWait(&t.Sync, Dg(a)->WskSendTo(a, &out, 0, (PSOCKADDR)&bAddress, 0, NULL, SyncIrpArm(&t.Sync)));
        NTSTATUS status = SyncIrpWait(&receive, returned);
        if (sent != STATUS_SUCCESS || status != STATUS_SUCCESS || receive.Information != sizeof(payload)
            || memcmp(sink, payload, sizeof(payload)) != 0) {
            wsktest_fail("datagram_ipv6_sendto_receivefrom", "send 0x%08X, receive 0x%08X", (unsigned)sent, (unsigned)status);
        } else if (from.sin6_family != AF_INET6 || from.sin6_port != aAddress.sin6_port
            || memcmp(&from.sin6_addr, &aAddress.sin6_addr, sizeof(IN6_ADDR)) != 0 || from.sin6_scope_id != aAddress.sin6_scope_id) {
            wsktest_fail("datagram_ipv6_sendto_receivefrom", "sender family %u port %u (expected %u)", from.sin6_family,
                RtlUshortByteSwap(from.sin6_port), RtlUshortByteSwap(aAddress.sin6_port));
        } else {
            wsktest_ok("datagram_ipv6_sendto_receivefrom");
        }
        SyncIrpFree(&receive);
        IoFreeMdl(outMdl);
        IoFreeMdl(inMdl);
    }
    if (a != NULL) {
        WsktestClose(&t, a);
    }
    if (b != NULL) {
        WsktestClose(&t, b);
    }
}

static void BadInputs(PWSK_SOCKET a, SOCKADDR_IN *bAddress)
{
    static UCHAR byte[1];
    PMDL mdl = WsktestMdl(byte, 1);
    WSK_BUF one = { mdl, 0, 1 };
    ExpectRefused("datagram_sendto_flags_refused", STATUS_INVALID_PARAMETER,
        Dg(a)->WskSendTo(a, &one, 1, (PSOCKADDR)bAddress, 0, NULL, SyncIrpArm(&t.Sync)));
    SOCKADDR_IN portZero = WsktestLoopback(0);
    ExpectRefused("datagram_sendto_port_zero_refused", STATUS_INVALID_ADDRESS_COMPONENT,
        Dg(a)->WskSendTo(a, &one, 0, (PSOCKADDR)&portZero, 0, NULL, SyncIrpArm(&t.Sync)));
    ULONG room = 64;
    ExpectRefused("datagram_receivefrom_control_without_buffer_refused", STATUS_INVALID_PARAMETER,
        Dg(a)->WskReceiveFrom(a, &one, 0, NULL, &room, NULL, NULL, SyncIrpArm(&t.Sync)));
    ExpectRefused("datagram_send_messages_null_list_refused", STATUS_INVALID_PARAMETER,
        Dg(a)->WskSendMessages(a, NULL, 0, (PSOCKADDR)bAddress, 0, NULL, SyncIrpArm(&t.Sync)));
    WSK_DATAGRAM_INDICATION madeUp;
    memset(&madeUp, 0, sizeof(madeUp));
    NTSTATUS released = Dg(a)->WskRelease(a, &madeUp);
    if (released != STATUS_INVALID_PARAMETER) {
        wsktest_fail("datagram_release_not_kept_refused", "0x%08X", (unsigned)released);
    } else {
        wsktest_ok("datagram_release_not_kept_refused");
    }
    IoFreeMdl(mdl);

    NTSTATUS status;
    PWSK_SOCKET wrong = DgSocket(SOCK_DGRAM, IPPROTO_TCP, WSK_FLAG_DATAGRAM_SOCKET, NULL, NULL, &status);
    if (wrong != NULL || status != STATUS_INVALID_PARAMETER || t.Sync.Calls != 1) {
        wsktest_fail("datagram_socket_tcp_protocol_refused", "0x%08X", (unsigned)status);
        if (wrong != NULL) {
            WsktestClose(&t, wrong);
        }
    } else {
        wsktest_ok("datagram_socket_tcp_protocol_refused");
    }
    /* SOCK_DGRAM made as a listening socket: made (as Windows does), with the listen table; its WskBind is not implemented. */
    PWSK_SOCKET listening = DgSocket(SOCK_DGRAM, IPPROTO_UDP, WSK_FLAG_LISTEN_SOCKET, NULL, NULL, &status);
    if (listening == NULL) {
        wsktest_fail("datagram_listen_socket_bind_not_implemented", "WskSocket: 0x%08X", (unsigned)status);
    } else {
        const WSK_PROVIDER_LISTEN_DISPATCH *l = listening->Dispatch;
        SOCKADDR_IN any = WsktestLoopback(0);
        ExpectRefused("datagram_listen_socket_bind_not_implemented", STATUS_NOT_IMPLEMENTED,
            l->WskBind(listening, (PSOCKADDR)&any, 0, SyncIrpArm(&t.Sync)));
        WsktestClose(&t, listening);
    }
}

int main(void)
{
    NTSTATUS status = WsktestStart(&t);
    if (!NT_SUCCESS(status)) {
        wsktest_fail("register", "0x%08X", (unsigned)status);
        return 1;
    }
    DatagramTable();
    SOCKADDR_IN aAddress, bAddress;
    PWSK_SOCKET a = WsktestDatagram(&t, NULL, NULL, &aAddress), b = WsktestDatagram(&t, NULL, NULL, &bAddress);
    if (a == NULL || b == NULL) {
        wsktest_fail("datagram_bound_sockets", "WskBind of a datagram socket failed");
        return 1;
    }
    SendReceive(a, &aAddress, b, &bAddress);
    ReceiveFromEvents(a, &aAddress);
    ReceiveFromEventList(a);
    CloseInsideReceiveFromEvent(a);
    BadInputs(a, &bAddress);
    Ipv6();
    WsktestClose(&t, a);
    WsktestClose(&t, b);
    WsktestStop(&t);
    static char report[2048];
    ULONG problems = WskSharpVerifierReport(report, sizeof(report));
    if (problems != 0) {
        wsktest_fail("datagram_verifier_clean", "%s", report);
    } else {
        wsktest_ok("datagram_verifier_clean");
    }
    return wsktest_failed == 0 ? 0 : 1;
}
