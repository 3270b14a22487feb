/* Spin locks: a real test-and-set lock; acquiring raises the thread's IRQL to DISPATCH_LEVEL as on Windows. */
#ifndef WSKSHARP_NT_SPINLOCK_H
#define WSKSHARP_NT_SPINLOCK_H

#include "../ntdef.h"

WSKSHARP_BEGIN_DECLS

typedef struct _KSPIN_LOCK_QUEUE {
    struct _KSPIN_LOCK_QUEUE *volatile Next;
    PKSPIN_LOCK volatile Lock;
} KSPIN_LOCK_QUEUE, *PKSPIN_LOCK_QUEUE;

typedef struct _KLOCK_QUEUE_HANDLE {
    KSPIN_LOCK_QUEUE LockQueue;
    KIRQL OldIrql;
} KLOCK_QUEUE_HANDLE, *PKLOCK_QUEUE_HANDLE;

C_ASSERT(sizeof(KSPIN_LOCK) == 8);
C_ASSERT(sizeof(KLOCK_QUEUE_HANDLE) == 24);

WSKSHARP_API VOID KeInitializeSpinLock(PKSPIN_LOCK SpinLock);
WSKSHARP_API VOID KeAcquireSpinLock(PKSPIN_LOCK SpinLock, PKIRQL OldIrql);
WSKSHARP_API KIRQL KeAcquireSpinLockRaiseToDpc(PKSPIN_LOCK SpinLock);
WSKSHARP_API VOID KeReleaseSpinLock(PKSPIN_LOCK SpinLock, KIRQL NewIrql);
WSKSHARP_API VOID KeAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock);
WSKSHARP_API VOID KeReleaseSpinLockFromDpcLevel(PKSPIN_LOCK SpinLock);
WSKSHARP_API BOOLEAN KeTryToAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock);
WSKSHARP_API VOID KeAcquireInStackQueuedSpinLock(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle);
WSKSHARP_API VOID KeReleaseInStackQueuedSpinLock(PKLOCK_QUEUE_HANDLE LockHandle);
WSKSHARP_API VOID KeAcquireInStackQueuedSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle);
WSKSHARP_API VOID KeReleaseInStackQueuedSpinLockFromDpcLevel(PKLOCK_QUEUE_HANDLE LockHandle);

WSKSHARP_END_DECLS

#endif /* WSKSHARP_NT_SPINLOCK_H */
