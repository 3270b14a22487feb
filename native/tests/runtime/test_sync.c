/* Events, semaphores, mutexes, fast mutexes, spin locks and waits (timed out vs signalled only: no timing
 * assertions). */
#include "harness.h"

TEST(event_notification_stays_signalled)
{
    KEVENT e;
    LARGE_INTEGER zero = { .QuadPart = 0 };
    KeInitializeEvent(&e, NotificationEvent, FALSE);
    EXPECT_STATUS(KeWaitForSingleObject(&e, Executive, KernelMode, FALSE, &zero), STATUS_TIMEOUT);
    EXPECT(KeSetEvent(&e, IO_NO_INCREMENT, FALSE) == 0);
    EXPECT(KeSetEvent(&e, IO_NO_INCREMENT, FALSE) == 1);
    EXPECT_STATUS(KeWaitForSingleObject(&e, Executive, KernelMode, FALSE, NULL), STATUS_SUCCESS);
    EXPECT_STATUS(KeWaitForSingleObject(&e, Executive, KernelMode, FALSE, &zero), STATUS_SUCCESS);
    EXPECT(KeReadStateEvent(&e) == 1);
    EXPECT(KeResetEvent(&e) == 1);
    EXPECT(KeReadStateEvent(&e) == 0);
    KeSetEvent(&e, 0, FALSE);
    KeClearEvent(&e);
    EXPECT(KeReadStateEvent(&e) == 0);
}

TEST(event_synchronization_resets_on_wait)
{
    KEVENT e;
    LARGE_INTEGER zero = { .QuadPart = 0 };
    KeInitializeEvent(&e, SynchronizationEvent, TRUE);
    EXPECT_STATUS(KeWaitForSingleObject(&e, Executive, KernelMode, FALSE, &zero), STATUS_SUCCESS);
    EXPECT_STATUS(KeWaitForSingleObject(&e, Executive, KernelMode, FALSE, &zero), STATUS_TIMEOUT);
    EXPECT(KeReadStateEvent(&e) == 0);
}

TEST(wait_relative_timeout_times_out)
{
    KEVENT e;
    LARGE_INTEGER t = Ms(20);
    KeInitializeEvent(&e, NotificationEvent, FALSE);
    EXPECT_STATUS(KeWaitForSingleObject(&e, Executive, KernelMode, FALSE, &t), STATUS_TIMEOUT);
}

TEST(wait_absolute_timeout_times_out)
{
    KEVENT e;
    LARGE_INTEGER t;
    KeInitializeEvent(&e, NotificationEvent, FALSE);
    KeQuerySystemTime(&t);
    t.QuadPart += 20 * 10000; /* 20 ms from now, absolute */
    EXPECT_STATUS(KeWaitForSingleObject(&e, Executive, KernelMode, FALSE, &t), STATUS_TIMEOUT);
    t.QuadPart -= 10LL * 10000000; /* in the past: returns at once */
    EXPECT_STATUS(KeWaitForSingleObject(&e, Executive, KernelMode, FALSE, &t), STATUS_TIMEOUT);
}

static VOID SetLater(PVOID Context)
{
    LARGE_INTEGER t = Ms(10);
    KeDelayExecutionThread(KernelMode, FALSE, &t);
    KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
}

TEST(wait_signalled_by_another_thread)
{
    KEVENT e;
    HANDLE h;
    LARGE_INTEGER t = Ms(5000);
    KeInitializeEvent(&e, NotificationEvent, FALSE);
    EXPECT_STATUS(PsCreateSystemThread(&h, THREAD_ALL_ACCESS, NULL, NULL, NULL, SetLater, &e), STATUS_SUCCESS);
    NTSTATUS s = KeWaitForSingleObject(&e, Executive, KernelMode, FALSE, &t);
    EXPECT_STATUS(ZwWaitForSingleObject(h, FALSE, &t), STATUS_SUCCESS);
    EXPECT_STATUS(ZwClose(h), STATUS_SUCCESS);
    EXPECT_STATUS(s, STATUS_SUCCESS);
}

TEST(semaphore_counts_and_limit)
{
    KSEMAPHORE sem;
    LARGE_INTEGER zero = { .QuadPart = 0 };
    KeInitializeSemaphore(&sem, 0, 2);
    EXPECT_STATUS(KeWaitForSingleObject(&sem, Executive, KernelMode, FALSE, &zero), STATUS_TIMEOUT);
    EXPECT(KeReleaseSemaphore(&sem, 0, 2, FALSE) == 0);
    EXPECT(KeReadStateSemaphore(&sem) == 2);
    EXPECT_STATUS(KeWaitForSingleObject(&sem, Executive, KernelMode, FALSE, &zero), STATUS_SUCCESS);
    EXPECT_STATUS(KeWaitForSingleObject(&sem, Executive, KernelMode, FALSE, &zero), STATUS_SUCCESS);
    EXPECT_STATUS(KeWaitForSingleObject(&sem, Executive, KernelMode, FALSE, &zero), STATUS_TIMEOUT);
    EXPECT(KeReleaseSemaphore(&sem, 0, 2, FALSE) == 0);
    EXPECT(KeReleaseSemaphore(&sem, 0, 1, FALSE) == 2); /* over the limit: refused */
    EXPECT_VIOLATION("SEMAPHORE_LIMIT_EXCEEDED");
    EXPECT(KeReadStateSemaphore(&sem) == 2);
}

typedef struct MUTEX_PROBE {
    PKMUTEX Mutex;
    NTSTATUS Status;
} MUTEX_PROBE;

static VOID TryMutex(PVOID Context)
{
    MUTEX_PROBE *probe = Context;
    LARGE_INTEGER t = Ms(10);
    probe->Status = KeWaitForSingleObject(probe->Mutex, Executive, KernelMode, FALSE, &t);
    if (probe->Status == STATUS_SUCCESS)
        KeReleaseMutex(probe->Mutex, FALSE);
}

static NTSTATUS RunAndJoin(PKSTART_ROUTINE Routine, PVOID Context)
{
    HANDLE h;
    NTSTATUS s = PsCreateSystemThread(&h, THREAD_ALL_ACCESS, NULL, NULL, NULL, Routine, Context);
    if (!NT_SUCCESS(s))
        return s;
    s = ZwWaitForSingleObject(h, FALSE, NULL);
    ZwClose(h);
    return s;
}

TEST(mutex_recursive_and_exclusive)
{
    KMUTEX m;
    MUTEX_PROBE probe = { &m, STATUS_UNSUCCESSFUL };
    KeInitializeMutex(&m, 0);
    EXPECT(KeReadStateMutex(&m) == 1);
    EXPECT_STATUS(KeWaitForSingleObject(&m, Executive, KernelMode, FALSE, NULL), STATUS_SUCCESS);
    EXPECT_STATUS(KeWaitForSingleObject(&m, Executive, KernelMode, FALSE, NULL), STATUS_SUCCESS);
    EXPECT(KeReadStateMutex(&m) == -1);
    EXPECT_STATUS(RunAndJoin(TryMutex, &probe), STATUS_SUCCESS);
    EXPECT_STATUS(probe.Status, STATUS_TIMEOUT);
    EXPECT(KeReleaseMutex(&m, FALSE) == -1);
    EXPECT(KeReleaseMutex(&m, FALSE) == 0);
    EXPECT(KeReadStateMutex(&m) == 1);
    EXPECT_STATUS(RunAndJoin(TryMutex, &probe), STATUS_SUCCESS);
    EXPECT_STATUS(probe.Status, STATUS_SUCCESS);
}

TEST(mutex_release_not_owned_is_caught)
{
    KMUTEX m;
    KeInitializeMutex(&m, 0);
    KeReleaseMutex(&m, FALSE);
    EXPECT_VIOLATION("MUTEX_NOT_OWNED");
}

TEST(wait_any_returns_the_index)
{
    KEVENT e[3];
    PVOID objects[3] = { &e[0], &e[1], &e[2] };
    LARGE_INTEGER zero = { .QuadPart = 0 };
    for (int i = 0; i < 3; i++)
        KeInitializeEvent(&e[i], SynchronizationEvent, FALSE);
    EXPECT_STATUS(KeWaitForMultipleObjects(3, objects, WaitAny, Executive, KernelMode, FALSE, &zero, NULL),
        STATUS_TIMEOUT);
    KeSetEvent(&e[2], 0, FALSE);
    EXPECT_STATUS(KeWaitForMultipleObjects(3, objects, WaitAny, Executive, KernelMode, FALSE, NULL, NULL),
        STATUS_WAIT_2);
    EXPECT(KeReadStateEvent(&e[2]) == 0);
}

TEST(wait_all_takes_all_at_once)
{
    KEVENT e[3];
    PVOID objects[3] = { &e[0], &e[1], &e[2] };
    LARGE_INTEGER t = Ms(10);
    for (int i = 0; i < 3; i++)
        KeInitializeEvent(&e[i], SynchronizationEvent, FALSE);
    KeSetEvent(&e[0], 0, FALSE);
    KeSetEvent(&e[1], 0, FALSE);
    EXPECT_STATUS(KeWaitForMultipleObjects(3, objects, WaitAll, Executive, KernelMode, FALSE, &t, NULL),
        STATUS_TIMEOUT);
    EXPECT(KeReadStateEvent(&e[0]) == 1); /* a WaitAll that timed out took nothing */
    KeSetEvent(&e[2], 0, FALSE);
    EXPECT_STATUS(KeWaitForMultipleObjects(3, objects, WaitAll, Executive, KernelMode, FALSE, &t, NULL),
        STATUS_SUCCESS);
    for (int i = 0; i < 3; i++)
        EXPECT(KeReadStateEvent(&e[i]) == 0);
}

TEST(wait_multiple_over_three_needs_wait_blocks)
{
    KEVENT e[4];
    PVOID objects[4] = { &e[0], &e[1], &e[2], &e[3] };
    KWAIT_BLOCK blocks[4];
    for (int i = 0; i < 4; i++)
        KeInitializeEvent(&e[i], NotificationEvent, TRUE);
    EXPECT_STATUS(KeWaitForMultipleObjects(4, objects, WaitAll, Executive, KernelMode, FALSE, NULL, blocks),
        STATUS_SUCCESS);
    EXPECT_STATUS(KeWaitForMultipleObjects(4, objects, WaitAll, Executive, KernelMode, FALSE, NULL, NULL),
        STATUS_INVALID_PARAMETER);
    EXPECT_VIOLATION("WAIT_BAD_PARAMETERS");
}

TEST(fast_mutex_raises_to_apc_and_excludes)
{
    FAST_MUTEX fm;
    ExInitializeFastMutex(&fm);
    ExAcquireFastMutex(&fm);
    EXPECT(KeGetCurrentIrql() == APC_LEVEL);
    ExReleaseFastMutex(&fm);
    EXPECT(KeGetCurrentIrql() == PASSIVE_LEVEL);
    EXPECT(ExTryToAcquireFastMutex(&fm));
    ExReleaseFastMutex(&fm);
    ExReleaseFastMutex(&fm);
    EXPECT_VIOLATION("FAST_MUTEX_NOT_OWNED");
}

typedef struct COUNTER {
    KSPIN_LOCK Lock;
    volatile LONG Value;
    BOOLEAN InStack;
} COUNTER;

static VOID CountUnderLock(PVOID Context)
{
    COUNTER *c = Context;
    for (int i = 0; i < 20000; i++) {
        if (c->InStack) {
            KLOCK_QUEUE_HANDLE h;
            KeAcquireInStackQueuedSpinLock(&c->Lock, &h);
            c->Value = c->Value + 1;
            KeReleaseInStackQueuedSpinLock(&h);
        } else {
            KIRQL old;
            KeAcquireSpinLock(&c->Lock, &old);
            c->Value = c->Value + 1;
            KeReleaseSpinLock(&c->Lock, old);
        }
    }
}

TEST(spin_locks_exclude_and_raise_irql)
{
    for (int mode = 0; mode < 2; mode++) {
        COUNTER c = { 0, 0, (BOOLEAN)mode };
        HANDLE h[2];
        KeInitializeSpinLock(&c.Lock);
        for (int i = 0; i < 2; i++)
            EXPECT_STATUS(PsCreateSystemThread(&h[i], 0, NULL, NULL, NULL, CountUnderLock, &c), STATUS_SUCCESS);
        for (int i = 0; i < 2; i++) {
            EXPECT_STATUS(ZwWaitForSingleObject(h[i], FALSE, NULL), STATUS_SUCCESS);
            ZwClose(h[i]);
        }
        EXPECT(c.Value == 40000);
    }
    KSPIN_LOCK lock;
    KIRQL old;
    KeInitializeSpinLock(&lock);
    KeAcquireSpinLock(&lock, &old);
    EXPECT(KeGetCurrentIrql() == DISPATCH_LEVEL);
    EXPECT(old == PASSIVE_LEVEL);
    KeReleaseSpinLock(&lock, old);
    EXPECT(KeGetCurrentIrql() == PASSIVE_LEVEL);
}

TEST(spin_lock_release_not_held_is_caught)
{
    KSPIN_LOCK lock;
    KeInitializeSpinLock(&lock);
    KeReleaseSpinLock(&lock, PASSIVE_LEVEL);
    EXPECT_VIOLATION("SPIN_LOCK_NOT_OWNED");
}

TEST(irql_raise_lower_and_dispatch_entry)
{
    KIRQL old;
    EXPECT(KeGetCurrentIrql() == PASSIVE_LEVEL);
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    EXPECT(old == PASSIVE_LEVEL && KeGetCurrentIrql() == DISPATCH_LEVEL);
    KeLowerIrql(old);
    KIRQL entered = WskSharpEnterDispatch();
    EXPECT(KeGetCurrentIrql() == DISPATCH_LEVEL);
    WskSharpLeaveDispatch(entered);
    EXPECT(KeGetCurrentIrql() == PASSIVE_LEVEL);
    KeRaiseIrql(APC_LEVEL, &old);
    KeRaiseIrql(PASSIVE_LEVEL, &old); /* lower through a raise */
    EXPECT_VIOLATION("IRQL_RAISE_TO_LOWER");
}
