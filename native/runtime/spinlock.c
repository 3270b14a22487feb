/* Spin locks. The lock word holds the owner's thread object (0 when free), so a release by another thread
 * and a recursive acquire (a deadlock on Windows) are caught. A user-mode holder can be preempted, so a waiter
 * yields the CPU after a short spin instead of burning it. */
#include "internal.h"

#include <sched.h>

static void Acquire(PKSPIN_LOCK SpinLock, const void *Caller)
{
    ULONG_PTR me = (ULONG_PTR)WskSharpCurrentThread();
    if (__atomic_load_n(SpinLock, __ATOMIC_RELAXED) == me) {
        WskSharpVerifierViolation("SPIN_LOCK_RECURSIVE", NULL, 0, Caller,
            "spin lock %p acquired again by its owner (deadlock on Windows)", (void *)SpinLock);
        return;
    }
    for (unsigned spins = 0;; spins++) {
        ULONG_PTR expected = 0;
        if (__atomic_compare_exchange_n(SpinLock, &expected, me, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            return;
        if (spins < 64)
            YieldProcessor();
        else
            sched_yield();
    }
}

static void Release(PKSPIN_LOCK SpinLock, const void *Caller)
{
    ULONG_PTR me = (ULONG_PTR)WskSharpCurrentThread();
    ULONG_PTR owner = __atomic_load_n(SpinLock, __ATOMIC_RELAXED);
    if (owner != me) {
        WskSharpVerifierViolation("SPIN_LOCK_NOT_OWNED", NULL, 0, Caller,
            "spin lock %p released by a thread that does not hold it (%s)", (void *)SpinLock,
            owner == 0 ? "it is free" : "another thread holds it");
        if (owner == 0)
            return;
    }
    __atomic_store_n(SpinLock, 0, __ATOMIC_RELEASE);
}

static void CheckAtDpc(const void *Caller, const char *What)
{
    if (KeGetCurrentIrql() < DISPATCH_LEVEL)
        WskSharpVerifierViolation("SPIN_LOCK_IRQL", NULL, 0, Caller, "%s at IRQL %u (needs DISPATCH_LEVEL)", What,
            KeGetCurrentIrql());
}

WSKSHARP_API VOID KeInitializeSpinLock(PKSPIN_LOCK SpinLock)
{
    *SpinLock = 0;
}

WSKSHARP_API KIRQL KeAcquireSpinLockRaiseToDpc(PKSPIN_LOCK SpinLock)
{
    KIRQL old = KeGetCurrentIrql();
    if (old > DISPATCH_LEVEL)
        WskSharpVerifierViolation("IRQL_RAISE_TO_LOWER", NULL, 0, WSKSHARP_CALLER(),
            "KeAcquireSpinLock at IRQL %u", old);
    WskSharpEnterDispatch();
    Acquire(SpinLock, WSKSHARP_CALLER());
    return old;
}

WSKSHARP_API VOID KeAcquireSpinLock(PKSPIN_LOCK SpinLock, PKIRQL OldIrql)
{
    KIRQL old = KeGetCurrentIrql();
    if (old > DISPATCH_LEVEL)
        WskSharpVerifierViolation("IRQL_RAISE_TO_LOWER", NULL, 0, WSKSHARP_CALLER(),
            "KeAcquireSpinLock at IRQL %u", old);
    WskSharpEnterDispatch();
    Acquire(SpinLock, WSKSHARP_CALLER());
    *OldIrql = old;
}

WSKSHARP_API VOID KeReleaseSpinLock(PKSPIN_LOCK SpinLock, KIRQL NewIrql)
{
    Release(SpinLock, WSKSHARP_CALLER());
    KeLowerIrql(NewIrql);
}

WSKSHARP_API VOID KeAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock)
{
    CheckAtDpc(WSKSHARP_CALLER(), "KeAcquireSpinLockAtDpcLevel");
    Acquire(SpinLock, WSKSHARP_CALLER());
}

WSKSHARP_API VOID KeReleaseSpinLockFromDpcLevel(PKSPIN_LOCK SpinLock)
{
    Release(SpinLock, WSKSHARP_CALLER());
}

WSKSHARP_API BOOLEAN KeTryToAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock)
{
    CheckAtDpc(WSKSHARP_CALLER(), "KeTryToAcquireSpinLockAtDpcLevel");
    ULONG_PTR expected = 0;
    return __atomic_compare_exchange_n(SpinLock, &expected, (ULONG_PTR)WskSharpCurrentThread(), 0,
        __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

WSKSHARP_API VOID KeAcquireInStackQueuedSpinLock(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle)
{
    KIRQL old = KeGetCurrentIrql();
    if (old > DISPATCH_LEVEL)
        WskSharpVerifierViolation("IRQL_RAISE_TO_LOWER", NULL, 0, WSKSHARP_CALLER(),
            "KeAcquireInStackQueuedSpinLock at IRQL %u", old);
    WskSharpEnterDispatch();
    Acquire(SpinLock, WSKSHARP_CALLER());
    LockHandle->LockQueue.Next = NULL;
    LockHandle->LockQueue.Lock = SpinLock;
    LockHandle->OldIrql = old;
}

WSKSHARP_API VOID KeReleaseInStackQueuedSpinLock(PKLOCK_QUEUE_HANDLE LockHandle)
{
    Release(LockHandle->LockQueue.Lock, WSKSHARP_CALLER());
    KeLowerIrql(LockHandle->OldIrql);
}

WSKSHARP_API VOID KeAcquireInStackQueuedSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle)
{
    CheckAtDpc(WSKSHARP_CALLER(), "KeAcquireInStackQueuedSpinLockAtDpcLevel");
    Acquire(SpinLock, WSKSHARP_CALLER());
    LockHandle->LockQueue.Next = NULL;
    LockHandle->LockQueue.Lock = SpinLock;
    LockHandle->OldIrql = DISPATCH_LEVEL;
}

WSKSHARP_API VOID KeReleaseInStackQueuedSpinLockFromDpcLevel(PKLOCK_QUEUE_HANDLE LockHandle)
{
    Release(LockHandle->LockQueue.Lock, WSKSHARP_CALLER());
}
