/* Work items: a queue served by two runtime worker threads at PASSIVE_LEVEL (started on first use). An
 * IO_WORKITEM is pool under tag 'IoWk', so one never freed is a leak; queueing one twice or freeing one still
 * queued is recorded. */
#include "internal.h"

#define WORKERS 2
#define IO_WORKITEM_TAG 'kWoI' /* shows as "IoWk" */
#define IO_WORKITEM_MAGIC 0x6b576f49u

struct _IO_WORKITEM {
    WORK_QUEUE_ITEM Item;
    ULONG Magic;
    volatile LONG Queued;
    PDEVICE_OBJECT DeviceObject;
    PIO_WORKITEM_ROUTINE Routine;
    PVOID Context;
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_queued = PTHREAD_COND_INITIALIZER;
static LIST_ENTRY g_queue = { &g_queue, &g_queue };
static ULONG g_pending; /* queued or running */
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void *Worker(void *Unused)
{
    (void)Unused;
    pthread_mutex_lock(&g_lock);
    for (;;) {
        while (IsListEmpty(&g_queue))
            pthread_cond_wait(&g_queued, &g_lock);
        PWORK_QUEUE_ITEM item = CONTAINING_RECORD(RemoveHeadList(&g_queue), WORK_QUEUE_ITEM, List);
        item->List.Flink = NULL; /* the item may be queued again (or freed) by its own routine */
        PWORKER_THREAD_ROUTINE routine = item->WorkerRoutine;
        PVOID parameter = item->Parameter;
        pthread_mutex_unlock(&g_lock);
        routine(parameter);
        if (KeGetCurrentIrql() != PASSIVE_LEVEL) {
            WskSharpVerifierViolation("IRQL_NOT_RESTORED", NULL, 0, (const void *)routine,
                "work item routine returned at IRQL %u", KeGetCurrentIrql());
            KeLowerIrql(PASSIVE_LEVEL);
        }
        pthread_mutex_lock(&g_lock);
        g_pending--;
    }
    return NULL;
}

static void Start(void)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (int i = 0; i < WORKERS; i++) {
        pthread_t t;
        if (pthread_create(&t, &attr, Worker, NULL) != 0)
            abort(); /* no worker: no work item would ever run */
    }
    pthread_attr_destroy(&attr);
}

static void Enqueue(PWORK_QUEUE_ITEM Item)
{
    pthread_once(&g_once, Start);
    pthread_mutex_lock(&g_lock);
    InsertTailList(&g_queue, &Item->List);
    g_pending++;
    pthread_cond_signal(&g_queued);
    pthread_mutex_unlock(&g_lock);
}

WSKSHARP_API VOID ExQueueWorkItem(PWORK_QUEUE_ITEM WorkItem, WORK_QUEUE_TYPE QueueType)
{
    (void)QueueType;
    Enqueue(WorkItem);
}

static VOID IoWorkItemTrampoline(PVOID Parameter)
{
    PIO_WORKITEM item = Parameter;
    PIO_WORKITEM_ROUTINE routine = item->Routine;
    PDEVICE_OBJECT device = item->DeviceObject;
    PVOID context = item->Context;
    /* Cleared before the call: the routine commonly frees its work item or queues it again. */
    InterlockedExchange(&item->Queued, 0);
    routine(device, context);
}

WSKSHARP_API PIO_WORKITEM IoAllocateWorkItem(PDEVICE_OBJECT DeviceObject)
{
    PIO_WORKITEM item = WskSharpPoolAllocateAt(sizeof *item, IO_WORKITEM_TAG, TRUE, NULL, 0, WSKSHARP_CALLER());
    if (item == NULL)
        return NULL;
    item->Magic = IO_WORKITEM_MAGIC;
    item->DeviceObject = DeviceObject;
    return item;
}

WSKSHARP_API VOID IoQueueWorkItem(PIO_WORKITEM IoWorkItem, PIO_WORKITEM_ROUTINE WorkerRoutine,
    WORK_QUEUE_TYPE QueueType, PVOID Context)
{
    (void)QueueType;
    if (IoWorkItem == NULL || IoWorkItem->Magic != IO_WORKITEM_MAGIC) {
        WskSharpVerifierViolation("WORKITEM_INVALID", NULL, 0, WSKSHARP_CALLER(),
            "IoQueueWorkItem(%p): not an allocated work item", (void *)IoWorkItem);
        return;
    }
    if (InterlockedExchange(&IoWorkItem->Queued, 1) != 0) {
        WskSharpVerifierViolation("WORKITEM_QUEUED_TWICE", NULL, 0, WSKSHARP_CALLER(),
            "IoQueueWorkItem(%p) while it is still queued", (void *)IoWorkItem);
        return;
    }
    IoWorkItem->Routine = WorkerRoutine;
    IoWorkItem->Context = Context;
    IoWorkItem->Item.WorkerRoutine = IoWorkItemTrampoline;
    IoWorkItem->Item.Parameter = IoWorkItem;
    Enqueue(&IoWorkItem->Item);
}

WSKSHARP_API VOID IoFreeWorkItem(PIO_WORKITEM IoWorkItem)
{
    if (IoWorkItem == NULL || IoWorkItem->Magic != IO_WORKITEM_MAGIC) {
        WskSharpVerifierViolation("WORKITEM_INVALID", NULL, 0, WSKSHARP_CALLER(),
            "IoFreeWorkItem(%p): not an allocated work item", (void *)IoWorkItem);
        return;
    }
    if (IoWorkItem->Queued) {
        /* Freeing it would let the worker run freed memory: recorded, and the item kept. */
        WskSharpVerifierViolation("WORKITEM_FREED_QUEUED", NULL, 0, WSKSHARP_CALLER(),
            "IoFreeWorkItem(%p) while it is queued", (void *)IoWorkItem);
        return;
    }
    IoWorkItem->Magic = 0;
    WskSharpPoolFreeAt(IoWorkItem, IO_WORKITEM_TAG, TRUE, NULL, 0, WSKSHARP_CALLER());
}

ULONG WskSharpWorkItemReport(char *Buffer, SIZE_T Size, SIZE_T *Used)
{
    pthread_mutex_lock(&g_lock);
    ULONG pending = g_pending;
    pthread_mutex_unlock(&g_lock);
    if (pending == 0)
        return 0;
    WskSharpAppend(Buffer, Size, Used, "WORKITEM_PENDING: %u work item(s) queued or running at unload\n",
        (unsigned)pending);
    return 1;
}
