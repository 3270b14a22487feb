/* Dispatcher objects (events, semaphores, mutexes, fast mutexes; timers and threads are waitable too) and the
 * waits on them. Sizes are Windows x64's so that structures embedding them keep their layout. */
#ifndef WSKSHARP_NT_SYNC_H
#define WSKSHARP_NT_SYNC_H

#include "../ntdef.h"
#include "lists.h"

WSKSHARP_BEGIN_DECLS

/* Type holds the object kind with Windows' numbering; SignalState > 0 means signalled. */
typedef struct _DISPATCHER_HEADER {
    UCHAR Type;
    UCHAR Signalling;
    UCHAR Size;
    UCHAR Reserved1;
    volatile LONG SignalState;
    LIST_ENTRY WaitListHead;
} DISPATCHER_HEADER, *PDISPATCHER_HEADER;

typedef enum _KOBJECTS {
    EventNotificationObject = 0,
    EventSynchronizationObject = 1,
    MutantObject = 2,
    ProcessObject = 3,
    QueueObject = 4,
    SemaphoreObject = 5,
    ThreadObject = 6,
    GateObject = 7,
    TimerNotificationObject = 8,
    TimerSynchronizationObject = 9
} KOBJECTS;

typedef enum _EVENT_TYPE { NotificationEvent, SynchronizationEvent } EVENT_TYPE;
typedef enum _WAIT_TYPE { WaitAll, WaitAny, WaitNotification, WaitDequeue } WAIT_TYPE;
typedef enum _KWAIT_REASON {
    Executive, FreePage, PageIn, PoolAllocation, DelayExecution, Suspended, UserRequest,
    WrExecutive, WrFreePage, WrPageIn, WrPoolAllocation, WrDelayExecution, WrSuspended, WrUserRequest,
    MaximumWaitReason = 41
} KWAIT_REASON;

typedef struct _KEVENT { DISPATCHER_HEADER Header; } KEVENT, *PKEVENT, *PRKEVENT;
typedef struct _KSEMAPHORE { DISPATCHER_HEADER Header; LONG Limit; } KSEMAPHORE, *PKSEMAPHORE, *PRKSEMAPHORE;
typedef struct _KMUTANT {
    DISPATCHER_HEADER Header;
    LIST_ENTRY MutantListEntry;
    struct _KTHREAD *volatile OwnerThread;
    BOOLEAN Abandoned;
    UCHAR ApcDisable;
} KMUTANT, *PKMUTANT, *PRKMUTANT, KMUTEX, *PKMUTEX, *PRKMUTEX;
typedef struct _FAST_MUTEX {
    volatile LONG Count;
    PVOID Owner;
    ULONG Contention;
    KEVENT Event;
    ULONG OldIrql;
} FAST_MUTEX, *PFAST_MUTEX, KGUARDED_MUTEX, *PKGUARDED_MUTEX;

/* KWAIT_BLOCK: the caller's storage for waits on more than THREAD_WAIT_OBJECTS objects (unused here). */
typedef struct _KWAIT_BLOCK { UCHAR Reserved[0x30]; } KWAIT_BLOCK, *PKWAIT_BLOCK, *PRKWAIT_BLOCK;
#define THREAD_WAIT_OBJECTS 3
#define MAXIMUM_WAIT_OBJECTS 64

C_ASSERT(sizeof(DISPATCHER_HEADER) == 24);
C_ASSERT(sizeof(KEVENT) == 24);
C_ASSERT(sizeof(KSEMAPHORE) == 32);
C_ASSERT(sizeof(KMUTEX) == 56);
C_ASSERT(sizeof(FAST_MUTEX) == 56);

#define EVENT_INCREMENT 1
#define IO_NO_INCREMENT 0
#define SEMAPHORE_INCREMENT 1
#define MUTANT_INCREMENT 1

WSKSHARP_API VOID KeInitializeEvent(PRKEVENT Event, EVENT_TYPE Type, BOOLEAN State);
WSKSHARP_API LONG KeSetEvent(PRKEVENT Event, KPRIORITY Increment, BOOLEAN Wait);
WSKSHARP_API LONG KeResetEvent(PRKEVENT Event);
WSKSHARP_API VOID KeClearEvent(PRKEVENT Event);
WSKSHARP_API LONG KeReadStateEvent(PRKEVENT Event);

WSKSHARP_API VOID KeInitializeSemaphore(PRKSEMAPHORE Semaphore, LONG Count, LONG Limit);
WSKSHARP_API LONG KeReleaseSemaphore(PRKSEMAPHORE Semaphore, KPRIORITY Increment, LONG Adjustment, BOOLEAN Wait);
WSKSHARP_API LONG KeReadStateSemaphore(PRKSEMAPHORE Semaphore);

WSKSHARP_API VOID KeInitializeMutex(PRKMUTEX Mutex, ULONG Level);
WSKSHARP_API LONG KeReleaseMutex(PRKMUTEX Mutex, BOOLEAN Wait);
WSKSHARP_API LONG KeReadStateMutex(PRKMUTEX Mutex);

WSKSHARP_API VOID ExInitializeFastMutex(PFAST_MUTEX FastMutex);
WSKSHARP_API VOID ExAcquireFastMutex(PFAST_MUTEX FastMutex);
WSKSHARP_API VOID ExReleaseFastMutex(PFAST_MUTEX FastMutex);
WSKSHARP_API BOOLEAN ExTryToAcquireFastMutex(PFAST_MUTEX FastMutex);
WSKSHARP_API VOID ExAcquireFastMutexUnsafe(PFAST_MUTEX FastMutex);
WSKSHARP_API VOID ExReleaseFastMutexUnsafe(PFAST_MUTEX FastMutex);

/* Timeout: NULL waits forever; negative is relative, positive absolute system time, both in 100 ns units.
 * The macros pass the call site to the verifier; (KeWaitForSingleObject)(...) calls the plain function. */
WSKSHARP_API NTSTATUS (KeWaitForSingleObject)(PVOID Object, KWAIT_REASON WaitReason, KPROCESSOR_MODE WaitMode,
    BOOLEAN Alertable, PLARGE_INTEGER Timeout);
WSKSHARP_API NTSTATUS (KeWaitForMultipleObjects)(ULONG Count, PVOID Object[], WAIT_TYPE WaitType,
    KWAIT_REASON WaitReason, KPROCESSOR_MODE WaitMode, BOOLEAN Alertable, PLARGE_INTEGER Timeout,
    PKWAIT_BLOCK WaitBlockArray);
WSKSHARP_API NTSTATUS WskSharpKeWaitForSingleObject(PVOID Object, KWAIT_REASON WaitReason,
    KPROCESSOR_MODE WaitMode, BOOLEAN Alertable, PLARGE_INTEGER Timeout, const char *File, int Line);
WSKSHARP_API NTSTATUS WskSharpKeWaitForMultipleObjects(ULONG Count, PVOID Object[], WAIT_TYPE WaitType,
    KWAIT_REASON WaitReason, KPROCESSOR_MODE WaitMode, BOOLEAN Alertable, PLARGE_INTEGER Timeout,
    PKWAIT_BLOCK WaitBlockArray, const char *File, int Line);
#define KeWaitForSingleObject(Object, Reason, Mode, Alertable, Timeout) \
    WskSharpKeWaitForSingleObject((Object), (Reason), (Mode), (Alertable), (Timeout), __FILE__, __LINE__)
#define KeWaitForMultipleObjects(Count, Objects, WaitType, Reason, Mode, Alertable, Timeout, WaitBlocks)       \
    WskSharpKeWaitForMultipleObjects((Count), (Objects), (WaitType), (Reason), (Mode), (Alertable), (Timeout), \
        (WaitBlocks), __FILE__, __LINE__)
#define KeWaitForMutexObject KeWaitForSingleObject

WSKSHARP_END_DECLS

#endif /* WSKSHARP_NT_SYNC_H */
