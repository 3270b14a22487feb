/* SLISTs. Windows updates the header with a 16-byte compare-exchange; a build without -mcx16 has none, so a
 * lock bit in the header's control word serialises the few instructions each operation takes. */
#include "internal.h"

#include <sched.h>

#define LOCK_BIT 1ULL
#define DEPTH_SHIFT 16
#define DEPTH_MASK (0xffffULL << DEPTH_SHIFT)

static ULONGLONG Lock(PSLIST_HEADER Head)
{
    for (unsigned spins = 0;; spins++) {
        ULONGLONG control = __atomic_load_n(&Head->WskSharp.Control, __ATOMIC_RELAXED);
        if ((control & LOCK_BIT) == 0
            && __atomic_compare_exchange_n(&Head->WskSharp.Control, &control, control | LOCK_BIT, 0,
                __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            return control;
        if (spins < 64)
            YieldProcessor();
        else
            sched_yield();
    }
}

static void Unlock(PSLIST_HEADER Head, ULONGLONG Control)
{
    __atomic_store_n(&Head->WskSharp.Control, Control & ~LOCK_BIT, __ATOMIC_RELEASE);
}

static ULONGLONG WithDepth(ULONGLONG Control, ULONGLONG Depth)
{
    return (Control & ~DEPTH_MASK) | ((Depth & 0xffff) << DEPTH_SHIFT);
}

WSKSHARP_API VOID InitializeSListHead(PSLIST_HEADER SListHead)
{
    if (((ULONG_PTR)SListHead & 15) != 0)
        WskSharpVerifierViolation("SLIST_MISALIGNED", NULL, 0, WSKSHARP_CALLER(),
            "SLIST_HEADER %p is not 16-byte aligned", (void *)SListHead);
    SListHead->WskSharp.First = NULL;
    SListHead->WskSharp.Control = 0;
}

WSKSHARP_API PSLIST_ENTRY InterlockedPushEntrySList(PSLIST_HEADER ListHead, PSLIST_ENTRY ListEntry)
{
    if (((ULONG_PTR)ListEntry & 15) != 0)
        WskSharpVerifierViolation("SLIST_MISALIGNED", NULL, 0, WSKSHARP_CALLER(),
            "SLIST_ENTRY %p is not 16-byte aligned", (void *)ListEntry);
    ULONGLONG control = Lock(ListHead);
    PSLIST_ENTRY first = ListHead->WskSharp.First;
    ListEntry->Next = first;
    ListHead->WskSharp.First = ListEntry;
    Unlock(ListHead, WithDepth(control, ((control & DEPTH_MASK) >> DEPTH_SHIFT) + 1));
    return first;
}

WSKSHARP_API PSLIST_ENTRY InterlockedPopEntrySList(PSLIST_HEADER ListHead)
{
    ULONGLONG control = Lock(ListHead);
    PSLIST_ENTRY first = ListHead->WskSharp.First;
    if (first != NULL) {
        ListHead->WskSharp.First = first->Next;
        control = WithDepth(control, ((control & DEPTH_MASK) >> DEPTH_SHIFT) - 1);
    }
    Unlock(ListHead, control);
    return first;
}

WSKSHARP_API PSLIST_ENTRY InterlockedFlushSList(PSLIST_HEADER ListHead)
{
    ULONGLONG control = Lock(ListHead);
    PSLIST_ENTRY first = ListHead->WskSharp.First;
    ListHead->WskSharp.First = NULL;
    Unlock(ListHead, WithDepth(control, 0));
    return first;
}

WSKSHARP_API USHORT ExQueryDepthSList(PSLIST_HEADER SListHead)
{
    return (USHORT)((__atomic_load_n(&SListHead->WskSharp.Control, __ATOMIC_ACQUIRE) & DEPTH_MASK) >> DEPTH_SHIFT);
}

WSKSHARP_API PSLIST_ENTRY FirstEntrySList(PSLIST_HEADER SListHead)
{
    return __atomic_load_n(&SListHead->WskSharp.First, __ATOMIC_ACQUIRE);
}
