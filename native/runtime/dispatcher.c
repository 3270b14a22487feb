/* Dispatcher objects and the waits on them. One lock guards every object's state (Windows has one dispatcher
 * lock too); a waiting thread sleeps on its own condition, listed with its objects, and a signal wakes only the
 * threads waiting on that object. WaitAll takes every object at once, under the lock, as Windows does. */
#include "internal.h"

pthread_mutex_t WskSharpDispatcherLock = PTHREAD_MUTEX_INITIALIZER;

typedef struct WAITER {
    LIST_ENTRY Link;
    pthread_cond_t Cond;
    ULONG Count;
    PVOID *Objects;
    BOOLEAN Initialized;
} WAITER;

static LIST_ENTRY g_waiters = { &g_waiters, &g_waiters };
static _Thread_local WAITER t_waiter;

void WskSharpDispatcherWake(const void *Object)
{
    for (PLIST_ENTRY e = g_waiters.Flink; e != &g_waiters; e = e->Flink) {
        WAITER *w = CONTAINING_RECORD(e, WAITER, Link);
        for (ULONG i = 0; i < w->Count; i++) {
            if (w->Objects[i] == Object) {
                pthread_cond_signal(&w->Cond);
                break;
            }
        }
    }
}

BOOLEAN WskSharpDispatcherWait(ULONG Count, PVOID *Objects, LONGLONG DeadlineNs)
{
    WAITER *w = &t_waiter;
    if (!w->Initialized) {
        pthread_condattr_t attr;
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&w->Cond, &attr);
        pthread_condattr_destroy(&attr);
        w->Initialized = TRUE;
    }
    w->Count = Count;
    w->Objects = Objects;
    InsertTailList(&g_waiters, &w->Link);
    int rc;
    if (DeadlineNs < 0) {
        rc = pthread_cond_wait(&w->Cond, &WskSharpDispatcherLock);
    } else {
        struct timespec ts = WskSharpTimespecFromNs(DeadlineNs);
        rc = pthread_cond_timedwait(&w->Cond, &WskSharpDispatcherLock, &ts);
    }
    RemoveEntryList(&w->Link);
    return rc != ETIMEDOUT;
}

void WskSharpInitHeader(DISPATCHER_HEADER *Header, UCHAR Type, LONG State)
{
    Header->Type = Type;
    Header->Signalling = 0;
    Header->Size = 0;
    Header->Reserved1 = 0;
    Header->SignalState = State;
    InitializeListHead(&Header->WaitListHead);
}

/* ---- object rules: when a wait is satisfied, and what satisfying it takes ---- */
static BOOLEAN IsKnownType(UCHAR Type)
{
    return Type == EventNotificationObject || Type == EventSynchronizationObject || Type == MutantObject
        || Type == SemaphoreObject || Type == ThreadObject || Type == TimerNotificationObject
        || Type == TimerSynchronizationObject;
}

static BOOLEAN IsSignalled(const DISPATCHER_HEADER *h, PKTHREAD me)
{
    if (h->Type == MutantObject)
        return h->SignalState > 0 || ((const KMUTANT *)h)->OwnerThread == me;
    return h->SignalState > 0;
}

static void Satisfy(DISPATCHER_HEADER *h, PKTHREAD me)
{
    switch (h->Type) {
    case EventSynchronizationObject:
    case TimerSynchronizationObject:
        h->SignalState = 0;
        break;
    case SemaphoreObject:
        h->SignalState--;
        break;
    case MutantObject:
        if (((KMUTANT *)h)->OwnerThread != me)
            me->MutexesHeld++;
        h->SignalState--;
        ((KMUTANT *)h)->OwnerThread = me;
        break;
    default:
        break;
    }
}

static NTSTATUS WaitCore(ULONG Count, PVOID *Objects, WAIT_TYPE WaitType, PLARGE_INTEGER Timeout,
    const char *File, int Line, const void *Caller, const char *What)
{
    /* A wait that may block at DISPATCH_LEVEL: Windows bug-checks; a completion routine or event callback
     * waiting for its own I/O is the classic deadlock. */
    if (KeGetCurrentIrql() >= DISPATCH_LEVEL && (Timeout == NULL || Timeout->QuadPart != 0))
        WskSharpVerifierViolation("WAIT_AT_DISPATCH_LEVEL", File, Line, Caller,
            "%s with a non-zero timeout at IRQL %u (completion routines, event callbacks and DPCs run at "
            "DISPATCH_LEVEL and must not block)", What, KeGetCurrentIrql());
    for (ULONG i = 0; i < Count; i++) {
        if (Objects[i] == NULL || !IsKnownType(((DISPATCHER_HEADER *)Objects[i])->Type)) {
            WskSharpVerifierViolation("WAIT_ON_INVALID_OBJECT", File, Line, Caller,
                "%s: object %u (%p) is not an initialised event, semaphore, mutex, timer or thread", What,
                (unsigned)i, Objects[i]);
            return STATUS_INVALID_PARAMETER;
        }
    }

    PKTHREAD me = WskSharpCurrentThread();
    LONGLONG deadline = WskSharpDeadlineFromTimeout(Timeout);
    NTSTATUS status = STATUS_TIMEOUT;
    pthread_mutex_lock(&WskSharpDispatcherLock);
    for (;;) {
        if (WaitType == WaitAny) {
            ULONG i = 0;
            while (i < Count && !IsSignalled(Objects[i], me))
                i++;
            if (i < Count) {
                Satisfy(Objects[i], me);
                status = STATUS_WAIT_0 + (NTSTATUS)i;
                break;
            }
        } else {
            ULONG ready = 0;
            while (ready < Count && IsSignalled(Objects[ready], me))
                ready++;
            if (ready == Count) {
                for (ULONG i = 0; i < Count; i++)
                    Satisfy(Objects[i], me);
                status = STATUS_SUCCESS;
                break;
            }
        }
        if (deadline >= 0 && WskSharpMonotonicNs() >= deadline)
            break;
        WskSharpDispatcherWait(Count, Objects, deadline);
    }
    pthread_mutex_unlock(&WskSharpDispatcherLock);
    return status;
}

WSKSHARP_API NTSTATUS WskSharpKeWaitForSingleObject(PVOID Object, KWAIT_REASON WaitReason,
    KPROCESSOR_MODE WaitMode, BOOLEAN Alertable, PLARGE_INTEGER Timeout, const char *File, int Line)
{
    (void)WaitReason, (void)WaitMode, (void)Alertable;
    return WaitCore(1, &Object, WaitAny, Timeout, File, Line, WSKSHARP_CALLER(), "KeWaitForSingleObject");
}

WSKSHARP_API NTSTATUS (KeWaitForSingleObject)(PVOID Object, KWAIT_REASON WaitReason, KPROCESSOR_MODE WaitMode,
    BOOLEAN Alertable, PLARGE_INTEGER Timeout)
{
    (void)WaitReason, (void)WaitMode, (void)Alertable;
    return WaitCore(1, &Object, WaitAny, Timeout, NULL, 0, WSKSHARP_CALLER(), "KeWaitForSingleObject");
}

static NTSTATUS WaitMultiple(ULONG Count, PVOID Object[], WAIT_TYPE WaitType, PLARGE_INTEGER Timeout,
    PKWAIT_BLOCK WaitBlockArray, const char *File, int Line, const void *Caller)
{
    /* Windows: more than THREAD_WAIT_OBJECTS needs caller storage; more than MAXIMUM_WAIT_OBJECTS never. */
    if (Count == 0 || Count > MAXIMUM_WAIT_OBJECTS || (Count > THREAD_WAIT_OBJECTS && WaitBlockArray == NULL)
        || (WaitType != WaitAll && WaitType != WaitAny)) {
        WskSharpVerifierViolation("WAIT_BAD_PARAMETERS", File, Line, Caller,
            "KeWaitForMultipleObjects: Count %u, WaitType %d, WaitBlockArray %p", (unsigned)Count, (int)WaitType,
            (void *)WaitBlockArray);
        return STATUS_INVALID_PARAMETER;
    }
    return WaitCore(Count, Object, WaitType, Timeout, File, Line, Caller, "KeWaitForMultipleObjects");
}

WSKSHARP_API NTSTATUS WskSharpKeWaitForMultipleObjects(ULONG Count, PVOID Object[], WAIT_TYPE WaitType,
    KWAIT_REASON WaitReason, KPROCESSOR_MODE WaitMode, BOOLEAN Alertable, PLARGE_INTEGER Timeout,
    PKWAIT_BLOCK WaitBlockArray, const char *File, int Line)
{
    (void)WaitReason, (void)WaitMode, (void)Alertable;
    return WaitMultiple(Count, Object, WaitType, Timeout, WaitBlockArray, File, Line, WSKSHARP_CALLER());
}

WSKSHARP_API NTSTATUS (KeWaitForMultipleObjects)(ULONG Count, PVOID Object[], WAIT_TYPE WaitType,
    KWAIT_REASON WaitReason, KPROCESSOR_MODE WaitMode, BOOLEAN Alertable, PLARGE_INTEGER Timeout,
    PKWAIT_BLOCK WaitBlockArray)
{
    (void)WaitReason, (void)WaitMode, (void)Alertable;
    return WaitMultiple(Count, Object, WaitType, Timeout, WaitBlockArray, NULL, 0, WSKSHARP_CALLER());
}

/* ---- events ---- */
WSKSHARP_API VOID KeInitializeEvent(PRKEVENT Event, EVENT_TYPE Type, BOOLEAN State)
{
    WskSharpInitHeader(&Event->Header,
        Type == SynchronizationEvent ? EventSynchronizationObject : EventNotificationObject, State ? 1 : 0);
}

/* Wait = TRUE promises a wait right after, under the dispatcher lock on Windows; nothing to keep here. */
WSKSHARP_API LONG KeSetEvent(PRKEVENT Event, KPRIORITY Increment, BOOLEAN Wait)
{
    (void)Increment, (void)Wait;
    pthread_mutex_lock(&WskSharpDispatcherLock);
    LONG previous = Event->Header.SignalState;
    Event->Header.SignalState = 1;
    if (previous == 0)
        WskSharpDispatcherWake(Event);
    pthread_mutex_unlock(&WskSharpDispatcherLock);
    return previous;
}

WSKSHARP_API LONG KeResetEvent(PRKEVENT Event)
{
    pthread_mutex_lock(&WskSharpDispatcherLock);
    LONG previous = Event->Header.SignalState;
    Event->Header.SignalState = 0;
    pthread_mutex_unlock(&WskSharpDispatcherLock);
    return previous;
}

WSKSHARP_API VOID KeClearEvent(PRKEVENT Event)
{
    __atomic_store_n(&Event->Header.SignalState, 0, __ATOMIC_SEQ_CST);
}

WSKSHARP_API LONG KeReadStateEvent(PRKEVENT Event)
{
    return __atomic_load_n(&Event->Header.SignalState, __ATOMIC_SEQ_CST);
}

/* ---- semaphores ---- */
WSKSHARP_API VOID KeInitializeSemaphore(PRKSEMAPHORE Semaphore, LONG Count, LONG Limit)
{
    WskSharpInitHeader(&Semaphore->Header, SemaphoreObject, Count);
    Semaphore->Limit = Limit;
}

WSKSHARP_API LONG KeReleaseSemaphore(PRKSEMAPHORE Semaphore, KPRIORITY Increment, LONG Adjustment, BOOLEAN Wait)
{
    (void)Increment, (void)Wait;
    pthread_mutex_lock(&WskSharpDispatcherLock);
    LONG previous = Semaphore->Header.SignalState;
    /* Windows raises STATUS_SEMAPHORE_LIMIT_EXCEEDED and leaves the count alone. */
    if (Adjustment <= 0 || previous > Semaphore->Limit - Adjustment) {
        pthread_mutex_unlock(&WskSharpDispatcherLock);
        WskSharpVerifierViolation("SEMAPHORE_LIMIT_EXCEEDED", NULL, 0, WSKSHARP_CALLER(),
            "KeReleaseSemaphore by %d with count %d and limit %d", (int)Adjustment, (int)previous,
            (int)Semaphore->Limit);
        return previous;
    }
    Semaphore->Header.SignalState = previous + Adjustment;
    if (previous == 0)
        WskSharpDispatcherWake(Semaphore);
    pthread_mutex_unlock(&WskSharpDispatcherLock);
    return previous;
}

WSKSHARP_API LONG KeReadStateSemaphore(PRKSEMAPHORE Semaphore)
{
    return __atomic_load_n(&Semaphore->Header.SignalState, __ATOMIC_SEQ_CST);
}

/* ---- mutexes: SignalState 1 is free; each acquire by the owner takes one more (recursion) ---- */
WSKSHARP_API VOID KeInitializeMutex(PRKMUTEX Mutex, ULONG Level)
{
    (void)Level;
    WskSharpInitHeader(&Mutex->Header, MutantObject, 1);
    InitializeListHead(&Mutex->MutantListEntry);
    Mutex->OwnerThread = NULL;
    Mutex->Abandoned = FALSE;
    Mutex->ApcDisable = 1;
}

WSKSHARP_API LONG KeReleaseMutex(PRKMUTEX Mutex, BOOLEAN Wait)
{
    (void)Wait;
    PKTHREAD me = WskSharpCurrentThread();
    pthread_mutex_lock(&WskSharpDispatcherLock);
    LONG previous = Mutex->Header.SignalState;
    if (Mutex->OwnerThread != me || previous > 0) {
        pthread_mutex_unlock(&WskSharpDispatcherLock);
        WskSharpVerifierViolation("MUTEX_NOT_OWNED", NULL, 0, WSKSHARP_CALLER(),
            "KeReleaseMutex(%p) by a thread that does not own it (STATUS_MUTANT_NOT_OWNED)", (void *)Mutex);
        return previous;
    }
    Mutex->Header.SignalState = previous + 1;
    if (Mutex->Header.SignalState == 1) {
        Mutex->OwnerThread = NULL;
        me->MutexesHeld--;
        WskSharpDispatcherWake(Mutex);
    }
    pthread_mutex_unlock(&WskSharpDispatcherLock);
    return previous;
}

WSKSHARP_API LONG KeReadStateMutex(PRKMUTEX Mutex)
{
    return __atomic_load_n(&Mutex->Header.SignalState, __ATOMIC_SEQ_CST);
}

/* ---- fast mutexes: Count 1 free, 0 held; acquiring raises to APC_LEVEL ---- */
WSKSHARP_API VOID ExInitializeFastMutex(PFAST_MUTEX FastMutex)
{
    FastMutex->Count = 1;
    FastMutex->Owner = NULL;
    FastMutex->Contention = 0;
    KeInitializeEvent(&FastMutex->Event, SynchronizationEvent, FALSE);
    FastMutex->OldIrql = PASSIVE_LEVEL;
}

static BOOLEAN FastMutexAcquire(PFAST_MUTEX FastMutex, BOOLEAN Try, BOOLEAN RaiseIrql, const void *Caller)
{
    KIRQL irql = KeGetCurrentIrql();
    if (irql > APC_LEVEL)
        WskSharpVerifierViolation("FAST_MUTEX_IRQL", NULL, 0, Caller,
            "fast mutex %p acquired at IRQL %u (must be <= APC_LEVEL)", (void *)FastMutex, irql);
    PKTHREAD me = WskSharpCurrentThread();
    pthread_mutex_lock(&WskSharpDispatcherLock);
    if (FastMutex->Owner == me) {
        /* Windows deadlocks here; recorded, and let through so the run can end and report it. */
        pthread_mutex_unlock(&WskSharpDispatcherLock);
        WskSharpVerifierViolation("FAST_MUTEX_RECURSIVE", NULL, 0, Caller,
            "fast mutex %p acquired again by its owner (deadlock on Windows)", (void *)FastMutex);
        return TRUE;
    }
    while (FastMutex->Count != 1) {
        if (Try) {
            pthread_mutex_unlock(&WskSharpDispatcherLock);
            return FALSE;
        }
        FastMutex->Contention++;
        PVOID key = FastMutex;
        WskSharpDispatcherWait(1, &key, -1);
    }
    FastMutex->Count = 0;
    FastMutex->Owner = me;
    pthread_mutex_unlock(&WskSharpDispatcherLock);
    if (RaiseIrql) {
        KIRQL old;
        KeRaiseIrql(irql > APC_LEVEL ? irql : APC_LEVEL, &old);
        FastMutex->OldIrql = old;
    }
    return TRUE;
}

static void FastMutexRelease(PFAST_MUTEX FastMutex, BOOLEAN LowerIrql, const void *Caller)
{
    PKTHREAD me = WskSharpCurrentThread();
    pthread_mutex_lock(&WskSharpDispatcherLock);
    if (FastMutex->Owner != me || FastMutex->Count != 0) {
        pthread_mutex_unlock(&WskSharpDispatcherLock);
        WskSharpVerifierViolation("FAST_MUTEX_NOT_OWNED", NULL, 0, Caller,
            "fast mutex %p released by a thread that does not hold it", (void *)FastMutex);
        return;
    }
    KIRQL old = (KIRQL)FastMutex->OldIrql;
    FastMutex->Owner = NULL;
    FastMutex->Count = 1;
    WskSharpDispatcherWake(FastMutex);
    pthread_mutex_unlock(&WskSharpDispatcherLock);
    if (LowerIrql)
        KeLowerIrql(old);
}

WSKSHARP_API VOID ExAcquireFastMutex(PFAST_MUTEX FastMutex)
{
    FastMutexAcquire(FastMutex, FALSE, TRUE, WSKSHARP_CALLER());
}

WSKSHARP_API BOOLEAN ExTryToAcquireFastMutex(PFAST_MUTEX FastMutex)
{
    return FastMutexAcquire(FastMutex, TRUE, TRUE, WSKSHARP_CALLER());
}

WSKSHARP_API VOID ExReleaseFastMutex(PFAST_MUTEX FastMutex)
{
    FastMutexRelease(FastMutex, TRUE, WSKSHARP_CALLER());
}

WSKSHARP_API VOID ExAcquireFastMutexUnsafe(PFAST_MUTEX FastMutex)
{
    FastMutexAcquire(FastMutex, FALSE, FALSE, WSKSHARP_CALLER());
}

WSKSHARP_API VOID ExReleaseFastMutexUnsafe(PFAST_MUTEX FastMutex)
{
    FastMutexRelease(FastMutex, FALSE, WSKSHARP_CALLER());
}
