/* Interlocked operations: sequentially consistent atomics, as Windows' full-barrier Interlocked* are. */
#ifndef WSKSHARP_NT_INTERLOCKED_H
#define WSKSHARP_NT_INTERLOCKED_H

#include "../ntdef.h"

#define WSKSHARP_SEQ __ATOMIC_SEQ_CST

/* Increment/Decrement/Add return the new value; Exchange, ExchangeAdd, Or, And, Xor and CompareExchange the
 * initial one. */
WSKSHARP_INLINE LONG InterlockedIncrement(LONG volatile *Addend) { return __atomic_add_fetch(Addend, 1, WSKSHARP_SEQ); }
WSKSHARP_INLINE LONG InterlockedDecrement(LONG volatile *Addend) { return __atomic_sub_fetch(Addend, 1, WSKSHARP_SEQ); }
WSKSHARP_INLINE LONG InterlockedAdd(LONG volatile *Addend, LONG Value) { return __atomic_add_fetch(Addend, Value, WSKSHARP_SEQ); }
WSKSHARP_INLINE LONG InterlockedExchange(LONG volatile *Target, LONG Value) { return __atomic_exchange_n(Target, Value, WSKSHARP_SEQ); }
WSKSHARP_INLINE LONG InterlockedExchangeAdd(LONG volatile *Addend, LONG Value) { return __atomic_fetch_add(Addend, Value, WSKSHARP_SEQ); }
WSKSHARP_INLINE LONG InterlockedOr(LONG volatile *Destination, LONG Value) { return __atomic_fetch_or(Destination, Value, WSKSHARP_SEQ); }
WSKSHARP_INLINE LONG InterlockedAnd(LONG volatile *Destination, LONG Value) { return __atomic_fetch_and(Destination, Value, WSKSHARP_SEQ); }
WSKSHARP_INLINE LONG InterlockedXor(LONG volatile *Destination, LONG Value) { return __atomic_fetch_xor(Destination, Value, WSKSHARP_SEQ); }
WSKSHARP_INLINE LONG InterlockedCompareExchange(LONG volatile *Destination, LONG Exchange, LONG Comperand)
{
    __atomic_compare_exchange_n(Destination, &Comperand, Exchange, 0, WSKSHARP_SEQ, WSKSHARP_SEQ);
    return Comperand;
}

WSKSHARP_INLINE LONG64 InterlockedIncrement64(LONG64 volatile *Addend) { return __atomic_add_fetch(Addend, 1, WSKSHARP_SEQ); }
WSKSHARP_INLINE LONG64 InterlockedDecrement64(LONG64 volatile *Addend) { return __atomic_sub_fetch(Addend, 1, WSKSHARP_SEQ); }
WSKSHARP_INLINE LONG64 InterlockedAdd64(LONG64 volatile *Addend, LONG64 Value) { return __atomic_add_fetch(Addend, Value, WSKSHARP_SEQ); }
WSKSHARP_INLINE LONG64 InterlockedExchange64(LONG64 volatile *Target, LONG64 Value) { return __atomic_exchange_n(Target, Value, WSKSHARP_SEQ); }
WSKSHARP_INLINE LONG64 InterlockedExchangeAdd64(LONG64 volatile *Addend, LONG64 Value) { return __atomic_fetch_add(Addend, Value, WSKSHARP_SEQ); }
WSKSHARP_INLINE LONG64 InterlockedOr64(LONG64 volatile *Destination, LONG64 Value) { return __atomic_fetch_or(Destination, Value, WSKSHARP_SEQ); }
WSKSHARP_INLINE LONG64 InterlockedAnd64(LONG64 volatile *Destination, LONG64 Value) { return __atomic_fetch_and(Destination, Value, WSKSHARP_SEQ); }
WSKSHARP_INLINE LONG64 InterlockedXor64(LONG64 volatile *Destination, LONG64 Value) { return __atomic_fetch_xor(Destination, Value, WSKSHARP_SEQ); }
WSKSHARP_INLINE LONG64 InterlockedCompareExchange64(LONG64 volatile *Destination, LONG64 Exchange, LONG64 Comperand)
{
    __atomic_compare_exchange_n(Destination, &Comperand, Exchange, 0, WSKSHARP_SEQ, WSKSHARP_SEQ);
    return Comperand;
}

WSKSHARP_INLINE PVOID InterlockedExchangePointer(PVOID volatile *Target, PVOID Value)
{
    return __atomic_exchange_n(Target, Value, WSKSHARP_SEQ);
}
WSKSHARP_INLINE PVOID InterlockedCompareExchangePointer(PVOID volatile *Destination, PVOID Exchange, PVOID Comperand)
{
    __atomic_compare_exchange_n(Destination, &Comperand, Exchange, 0, WSKSHARP_SEQ, WSKSHARP_SEQ);
    return Comperand;
}

#define InterlockedIncrementAcquire InterlockedIncrement
#define InterlockedIncrementRelease InterlockedIncrement
#define InterlockedDecrementAcquire InterlockedDecrement
#define InterlockedDecrementRelease InterlockedDecrement
#define InterlockedCompareExchangeAcquire InterlockedCompareExchange
#define InterlockedCompareExchangeRelease InterlockedCompareExchange
#define InterlockedIncrementSizeT(a) ((SIZE_T)InterlockedIncrement64((LONG64 volatile *)(a)))
#define InterlockedDecrementSizeT(a) ((SIZE_T)InterlockedDecrement64((LONG64 volatile *)(a)))
#define InterlockedExchangeAddSizeT(a, b) ((SIZE_T)InterlockedExchangeAdd64((LONG64 volatile *)(a), (LONG64)(b)))

#define MemoryBarrier() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define KeMemoryBarrier() MemoryBarrier()
#define KeMemoryBarrierWithoutFence() __atomic_signal_fence(__ATOMIC_SEQ_CST)
#define _ReadWriteBarrier() __atomic_signal_fence(__ATOMIC_SEQ_CST)
#if defined(__x86_64__) || defined(__i386__)
#define YieldProcessor() __builtin_ia32_pause()
#else
#define YieldProcessor() ((void)0)
#endif
#define KeYieldProcessor() YieldProcessor()

#endif /* WSKSHARP_NT_INTERLOCKED_H */
