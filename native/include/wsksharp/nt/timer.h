/* Timers and DPCs. One runtime thread fires due timers; one runs queued DPCs at DISPATCH_LEVEL, in order. */
#ifndef WSKSHARP_NT_TIMER_H
#define WSKSHARP_NT_TIMER_H

#include "../ntdef.h"
#include "sync.h"

WSKSHARP_BEGIN_DECLS

struct _KDPC;
typedef VOID KDEFERRED_ROUTINE(struct _KDPC *Dpc, PVOID DeferredContext, PVOID SystemArgument1,
    PVOID SystemArgument2);
typedef KDEFERRED_ROUTINE *PKDEFERRED_ROUTINE;

typedef struct _KDPC {
    UCHAR Type;
    UCHAR Importance;
    volatile USHORT Number;
    SINGLE_LIST_ENTRY DpcListEntry;
    KAFFINITY ProcessorHistory;
    PKDEFERRED_ROUTINE DeferredRoutine;
    PVOID DeferredContext;
    PVOID SystemArgument1;
    PVOID SystemArgument2;
    volatile PVOID DpcData;
} KDPC, *PKDPC, *PRKDPC;

typedef enum _TIMER_TYPE { NotificationTimer, SynchronizationTimer } TIMER_TYPE;

typedef struct _KTIMER {
    DISPATCHER_HEADER Header;
    ULARGE_INTEGER DueTime;
    LIST_ENTRY TimerListEntry;
    struct _KDPC *Dpc;
    ULONG Processor;
    ULONG Period;
} KTIMER, *PKTIMER, *PRKTIMER;

C_ASSERT(sizeof(KDPC) == 64);
C_ASSERT(sizeof(KTIMER) == 64);

typedef enum _KDPC_IMPORTANCE { LowImportance, MediumImportance, HighImportance, MediumHighImportance } KDPC_IMPORTANCE;

WSKSHARP_API VOID KeInitializeDpc(PRKDPC Dpc, PKDEFERRED_ROUTINE DeferredRoutine, PVOID DeferredContext);
WSKSHARP_API VOID KeInitializeThreadedDpc(PRKDPC Dpc, PKDEFERRED_ROUTINE DeferredRoutine, PVOID DeferredContext);
WSKSHARP_API BOOLEAN KeInsertQueueDpc(PRKDPC Dpc, PVOID SystemArgument1, PVOID SystemArgument2);
WSKSHARP_API BOOLEAN KeRemoveQueueDpc(PRKDPC Dpc);
WSKSHARP_API VOID KeSetImportanceDpc(PRKDPC Dpc, KDPC_IMPORTANCE Importance);
WSKSHARP_API VOID KeFlushQueuedDpcs(void);

WSKSHARP_API VOID KeInitializeTimer(PKTIMER Timer);
WSKSHARP_API VOID KeInitializeTimerEx(PKTIMER Timer, TIMER_TYPE Type);
/* DueTime in 100 ns units (negative relative, positive absolute system time); Period in milliseconds. */
WSKSHARP_API BOOLEAN KeSetTimer(PKTIMER Timer, LARGE_INTEGER DueTime, PKDPC Dpc);
WSKSHARP_API BOOLEAN KeSetTimerEx(PKTIMER Timer, LARGE_INTEGER DueTime, LONG Period, PKDPC Dpc);
WSKSHARP_API BOOLEAN KeCancelTimer(PKTIMER Timer);
WSKSHARP_API BOOLEAN KeReadStateTimer(PKTIMER Timer);

WSKSHARP_END_DECLS

#endif /* WSKSHARP_NT_TIMER_H */
