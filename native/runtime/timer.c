/* Timers and DPCs. A timer thread sleeps until the earliest due timer, signals it (timers are waitable),
 * queues its DPC and re-arms a periodic one. A DPC thread runs queued DPCs in order at DISPATCH_LEVEL. Both
 * threads start on first use. Timer and DPC state is guarded by the dispatcher lock, since waits read it. */
#include "internal.h"

#include <string.h>

#define TIMER_SET 1 /* Header.Size: the timer is in the timer list */
#define DPC_QUEUED ((PVOID)1)

static LIST_ENTRY g_timers = { &g_timers, &g_timers };
static pthread_cond_t g_timerChanged;
static PKDPC g_dpcHead, g_dpcTail;
static pthread_cond_t g_dpcQueued;
static pthread_cond_t g_dpcIdle;
static BOOLEAN g_dpcRunning;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void *TimerThread(void *Unused);
static void *DpcThread(void *Unused);

static void Start(void)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&g_timerChanged, &attr);
    pthread_condattr_destroy(&attr);
    pthread_cond_init(&g_dpcQueued, NULL);
    pthread_cond_init(&g_dpcIdle, NULL);
    pthread_t t;
    pthread_attr_t ta;
    pthread_attr_init(&ta);
    pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &ta, TimerThread, NULL) != 0 || pthread_create(&t, &ta, DpcThread, NULL) != 0)
        abort(); /* without these threads no timer or DPC would ever run: fail loudly at the first use */
    pthread_attr_destroy(&ta);
}

/* ---- DPCs ---- */
WSKSHARP_API VOID KeInitializeDpc(PRKDPC Dpc, PKDEFERRED_ROUTINE DeferredRoutine, PVOID DeferredContext)
{
    memset(Dpc, 0, sizeof *Dpc);
    Dpc->Type = 19; /* DpcObject */
    Dpc->Importance = MediumImportance;
    Dpc->DeferredRoutine = DeferredRoutine;
    Dpc->DeferredContext = DeferredContext;
}

/* Threaded DPCs run at PASSIVE_LEVEL on Windows when threaded DPCs are enabled; here all DPCs share one
 * thread at DISPATCH_LEVEL, which Windows also does when they are disabled. */
WSKSHARP_API VOID KeInitializeThreadedDpc(PRKDPC Dpc, PKDEFERRED_ROUTINE DeferredRoutine, PVOID DeferredContext)
{
    KeInitializeDpc(Dpc, DeferredRoutine, DeferredContext);
    Dpc->Type = 24; /* ThreadedDpcObject */
}

WSKSHARP_API VOID KeSetImportanceDpc(PRKDPC Dpc, KDPC_IMPORTANCE Importance)
{
    Dpc->Importance = (UCHAR)Importance;
}

/* Under the dispatcher lock. */
static BOOLEAN QueueDpcLocked(PRKDPC Dpc, PVOID SystemArgument1, PVOID SystemArgument2)
{
    if (Dpc->DpcData != NULL)
        return FALSE;
    Dpc->SystemArgument1 = SystemArgument1;
    Dpc->SystemArgument2 = SystemArgument2;
    Dpc->DpcData = DPC_QUEUED;
    Dpc->DpcListEntry.Next = NULL;
    if (g_dpcTail != NULL)
        g_dpcTail->DpcListEntry.Next = &Dpc->DpcListEntry;
    else
        g_dpcHead = Dpc;
    g_dpcTail = Dpc;
    pthread_cond_signal(&g_dpcQueued);
    return TRUE;
}

WSKSHARP_API BOOLEAN KeInsertQueueDpc(PRKDPC Dpc, PVOID SystemArgument1, PVOID SystemArgument2)
{
    pthread_once(&g_once, Start);
    pthread_mutex_lock(&WskSharpDispatcherLock);
    BOOLEAN queued = QueueDpcLocked(Dpc, SystemArgument1, SystemArgument2);
    pthread_mutex_unlock(&WskSharpDispatcherLock);
    return queued;
}

WSKSHARP_API BOOLEAN KeRemoveQueueDpc(PRKDPC Dpc)
{
    BOOLEAN removed = FALSE;
    pthread_mutex_lock(&WskSharpDispatcherLock);
    PKDPC previous = NULL;
    for (PKDPC d = g_dpcHead; d != NULL; previous = d, d = CONTAINING_RECORD(d->DpcListEntry.Next, KDPC, DpcListEntry)) {
        if (d == Dpc) {
            PKDPC next = d->DpcListEntry.Next ? CONTAINING_RECORD(d->DpcListEntry.Next, KDPC, DpcListEntry) : NULL;
            if (previous)
                previous->DpcListEntry.Next = d->DpcListEntry.Next;
            else
                g_dpcHead = next;
            if (g_dpcTail == d)
                g_dpcTail = previous;
            d->DpcData = NULL;
            removed = TRUE;
            break;
        }
        if (d->DpcListEntry.Next == NULL)
            break;
    }
    pthread_mutex_unlock(&WskSharpDispatcherLock);
    return removed;
}

WSKSHARP_API VOID KeFlushQueuedDpcs(void)
{
    if (KeGetCurrentIrql() >= DISPATCH_LEVEL) {
        /* Recorded, and not waited: from a DPC it would wait for itself. */
        WskSharpVerifierViolation("WAIT_AT_DISPATCH_LEVEL", NULL, 0, WSKSHARP_CALLER(),
            "KeFlushQueuedDpcs at IRQL %u", KeGetCurrentIrql());
        return;
    }
    pthread_once(&g_once, Start);
    pthread_mutex_lock(&WskSharpDispatcherLock);
    while (g_dpcHead != NULL || g_dpcRunning)
        pthread_cond_wait(&g_dpcIdle, &WskSharpDispatcherLock);
    pthread_mutex_unlock(&WskSharpDispatcherLock);
}

static void *DpcThread(void *Unused)
{
    (void)Unused;
    WskSharpEnterDispatch();
    pthread_mutex_lock(&WskSharpDispatcherLock);
    for (;;) {
        while (g_dpcHead == NULL) {
            pthread_cond_broadcast(&g_dpcIdle);
            pthread_cond_wait(&g_dpcQueued, &WskSharpDispatcherLock);
        }
        PKDPC dpc = g_dpcHead;
        g_dpcHead = dpc->DpcListEntry.Next ? CONTAINING_RECORD(dpc->DpcListEntry.Next, KDPC, DpcListEntry) : NULL;
        if (g_dpcHead == NULL)
            g_dpcTail = NULL;
        /* Copied before the DPC is marked free: the routine may queue it again (or free it). */
        PKDEFERRED_ROUTINE routine = dpc->DeferredRoutine;
        PVOID context = dpc->DeferredContext, a1 = dpc->SystemArgument1, a2 = dpc->SystemArgument2;
        dpc->DpcData = NULL;
        g_dpcRunning = TRUE;
        pthread_mutex_unlock(&WskSharpDispatcherLock);
        KIRQL old = WskSharpEnterDispatch();
        routine(dpc, context, a1, a2);
        WskSharpLeaveDispatch(old);
        pthread_mutex_lock(&WskSharpDispatcherLock);
        g_dpcRunning = FALSE;
    }
    return NULL;
}

/* ---- timers: DueTime holds the monotonic deadline in ns while the timer is set ---- */
WSKSHARP_API VOID KeInitializeTimerEx(PKTIMER Timer, TIMER_TYPE Type)
{
    memset(Timer, 0, sizeof *Timer);
    WskSharpInitHeader(&Timer->Header,
        Type == SynchronizationTimer ? TimerSynchronizationObject : TimerNotificationObject, 0);
    InitializeListHead(&Timer->TimerListEntry);
}

WSKSHARP_API VOID KeInitializeTimer(PKTIMER Timer)
{
    KeInitializeTimerEx(Timer, NotificationTimer);
}

static BOOLEAN CancelLocked(PKTIMER Timer)
{
    if (Timer->Header.Size != TIMER_SET)
        return FALSE;
    RemoveEntryList(&Timer->TimerListEntry);
    InitializeListHead(&Timer->TimerListEntry);
    Timer->Header.Size = 0;
    return TRUE;
}

WSKSHARP_API BOOLEAN KeSetTimerEx(PKTIMER Timer, LARGE_INTEGER DueTime, LONG Period, PKDPC Dpc)
{
    pthread_once(&g_once, Start);
    if (Period < 0) {
        WskSharpVerifierViolation("TIMER_BAD_PERIOD", NULL, 0, WSKSHARP_CALLER(), "KeSetTimerEx period %d ms",
            (int)Period);
        Period = 0;
    }
    LONGLONG deadline = WskSharpDeadlineFromTimeout(&DueTime);
    pthread_mutex_lock(&WskSharpDispatcherLock);
    BOOLEAN wasSet = CancelLocked(Timer);
    Timer->Header.SignalState = 0;
    Timer->DueTime.QuadPart = (ULONGLONG)(deadline < 0 ? INT64_MAX : deadline);
    Timer->Period = (ULONG)Period;
    Timer->Dpc = Dpc;
    Timer->Processor = 0;
    Timer->Header.Size = TIMER_SET;
    InsertTailList(&g_timers, &Timer->TimerListEntry);
    pthread_cond_signal(&g_timerChanged);
    pthread_mutex_unlock(&WskSharpDispatcherLock);
    return wasSet;
}

WSKSHARP_API BOOLEAN KeSetTimer(PKTIMER Timer, LARGE_INTEGER DueTime, PKDPC Dpc)
{
    return KeSetTimerEx(Timer, DueTime, 0, Dpc);
}

WSKSHARP_API BOOLEAN KeCancelTimer(PKTIMER Timer)
{
    pthread_mutex_lock(&WskSharpDispatcherLock);
    BOOLEAN wasSet = CancelLocked(Timer);
    pthread_mutex_unlock(&WskSharpDispatcherLock);
    return wasSet;
}

WSKSHARP_API BOOLEAN KeReadStateTimer(PKTIMER Timer)
{
    return __atomic_load_n(&Timer->Header.SignalState, __ATOMIC_SEQ_CST) != 0;
}

static void *TimerThread(void *Unused)
{
    (void)Unused;
    pthread_mutex_lock(&WskSharpDispatcherLock);
    for (;;) {
        LONGLONG now = WskSharpMonotonicNs();
        LONGLONG earliest = -1;
        for (PLIST_ENTRY e = g_timers.Flink; e != &g_timers;) {
            PKTIMER timer = CONTAINING_RECORD(e, KTIMER, TimerListEntry);
            e = e->Flink;
            LONGLONG due = (LONGLONG)timer->DueTime.QuadPart;
            if (due <= now) {
                /* Expired: signal, queue the DPC with the system time as Windows passes it, re-arm. */
                CancelLocked(timer);
                timer->Header.SignalState = 1;
                WskSharpDispatcherWake(timer);
                if (timer->Dpc != NULL) {
                    LARGE_INTEGER t;
                    t.QuadPart = WskSharpSystemTime100ns();
                    QueueDpcLocked(timer->Dpc, (PVOID)(ULONG_PTR)t.LowPart, (PVOID)(ULONG_PTR)(ULONG)t.HighPart);
                }
                if (timer->Period != 0) {
                    due += (LONGLONG)timer->Period * 1000000LL;
                    if (due <= now)
                        due = now + (LONGLONG)timer->Period * 1000000LL;
                    timer->DueTime.QuadPart = (ULONGLONG)due;
                    timer->Header.Size = TIMER_SET;
                    InsertTailList(&g_timers, &timer->TimerListEntry);
                }
            }
        }
        /* A second pass: a periodic timer re-armed above may sit behind the first pass's end. */
        for (PLIST_ENTRY e = g_timers.Flink; e != &g_timers; e = e->Flink) {
            LONGLONG due = (LONGLONG)CONTAINING_RECORD(e, KTIMER, TimerListEntry)->DueTime.QuadPart;
            if (earliest < 0 || due < earliest)
                earliest = due;
        }
        if (earliest < 0) {
            pthread_cond_wait(&g_timerChanged, &WskSharpDispatcherLock);
        } else {
            struct timespec ts = WskSharpTimespecFromNs(earliest);
            pthread_cond_timedwait(&g_timerChanged, &WskSharpDispatcherLock, &ts);
        }
    }
    return NULL;
}

ULONG WskSharpTimerReport(char *Buffer, SIZE_T Size, SIZE_T *Used)
{
    ULONG problems = 0;
    pthread_mutex_lock(&WskSharpDispatcherLock);
    for (PLIST_ENTRY e = g_timers.Flink; e != &g_timers; e = e->Flink) {
        PKTIMER timer = CONTAINING_RECORD(e, KTIMER, TimerListEntry);
        WskSharpAppend(Buffer, Size, Used, "TIMER_STILL_SET: timer %p (period %u ms, DPC routine %p) still set "
            "(KeCancelTimer before unload)\n", (void *)timer, (unsigned)timer->Period,
            timer->Dpc ? (void *)timer->Dpc->DeferredRoutine : NULL);
        problems++;
    }
    for (PKDPC d = g_dpcHead; d != NULL;
         d = d->DpcListEntry.Next ? CONTAINING_RECORD(d->DpcListEntry.Next, KDPC, DpcListEntry) : NULL) {
        WskSharpAppend(Buffer, Size, Used, "DPC_STILL_QUEUED: DPC %p (routine %p) still queued "
            "(KeFlushQueuedDpcs before unload)\n", (void *)d, (void *)d->DeferredRoutine);
        problems++;
    }
    pthread_mutex_unlock(&WskSharpDispatcherLock);
    return problems;
}
