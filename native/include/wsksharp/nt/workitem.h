/* Work items: run at PASSIVE_LEVEL on a small pool of runtime worker threads, in queue order. */
#ifndef WSKSHARP_NT_WORKITEM_H
#define WSKSHARP_NT_WORKITEM_H

#include "../ntdef.h"
#include "driver.h"

WSKSHARP_BEGIN_DECLS

typedef enum _WORK_QUEUE_TYPE {
    CriticalWorkQueue,
    DelayedWorkQueue,
    HyperCriticalWorkQueue,
    NormalWorkQueue,
    BackgroundWorkQueue,
    RealTimeWorkQueue,
    SuperCriticalWorkQueue,
    MaximumWorkQueue,
    CustomPriorityWorkQueue = 32
} WORK_QUEUE_TYPE;

typedef VOID WORKER_THREAD_ROUTINE(PVOID Parameter);
typedef WORKER_THREAD_ROUTINE *PWORKER_THREAD_ROUTINE;

typedef struct _WORK_QUEUE_ITEM {
    LIST_ENTRY List;
    PWORKER_THREAD_ROUTINE WorkerRoutine;
    volatile PVOID Parameter;
} WORK_QUEUE_ITEM, *PWORK_QUEUE_ITEM;
C_ASSERT(sizeof(WORK_QUEUE_ITEM) == 32);

#define ExInitializeWorkItem(Item, Routine, Context) \
    do {                                            \
        (Item)->WorkerRoutine = (Routine);          \
        (Item)->Parameter = (Context);              \
        (Item)->List.Flink = NULL;                  \
    } while (0)

typedef struct _IO_WORKITEM *PIO_WORKITEM;
typedef VOID IO_WORKITEM_ROUTINE(PDEVICE_OBJECT DeviceObject, PVOID Context);
typedef IO_WORKITEM_ROUTINE *PIO_WORKITEM_ROUTINE;

WSKSHARP_API VOID ExQueueWorkItem(PWORK_QUEUE_ITEM WorkItem, WORK_QUEUE_TYPE QueueType);
WSKSHARP_API PIO_WORKITEM IoAllocateWorkItem(PDEVICE_OBJECT DeviceObject);
WSKSHARP_API VOID IoQueueWorkItem(PIO_WORKITEM IoWorkItem, PIO_WORKITEM_ROUTINE WorkerRoutine,
    WORK_QUEUE_TYPE QueueType, PVOID Context);
WSKSHARP_API VOID IoFreeWorkItem(PIO_WORKITEM IoWorkItem);

WSKSHARP_END_DECLS

#endif /* WSKSHARP_NT_WORKITEM_H */
