/* System threads over pthreads. The thread object is reference counted: one reference for the running thread,
 * one per handle, one per ObReferenceObject*. It is signalled when the thread ends, so drivers can wait for
 * their worker at unload. Threads the runtime did not create (main, the host's) get an object on first use. */
#include "internal.h"

#include <sched.h>
#include <string.h>
#include <unistd.h>

static struct _OBJECT_TYPE { int Unused; } g_threadType;
static POBJECT_TYPE g_threadTypePointer = (POBJECT_TYPE)&g_threadType;
WSKSHARP_API POBJECT_TYPE *PsThreadType = &g_threadTypePointer;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static LIST_ENTRY g_systemThreads = { &g_systemThreads, &g_systemThreads };
static _Thread_local PKTHREAD t_current;
static pthread_key_t g_adoptedKey;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void FreeObject(PKTHREAD Thread)
{
    if (Thread->System) {
        pthread_mutex_lock(&g_lock);
        RemoveEntryList(&Thread->Link);
        pthread_mutex_unlock(&g_lock);
    }
    Thread->Magic = 0;
    free(Thread);
}

static void ReleaseObject(PKTHREAD Thread)
{
    if (InterlockedDecrement(&Thread->References) == 0)
        FreeObject(Thread);
}

static void AdoptedThreadExit(void *Object)
{
    PKTHREAD thread = Object;
    pthread_mutex_lock(&WskSharpDispatcherLock);
    thread->Header.SignalState = 1;
    WskSharpDispatcherWake(thread);
    pthread_mutex_unlock(&WskSharpDispatcherLock);
    ReleaseObject(thread);
}

static void MakeKey(void)
{
    pthread_key_create(&g_adoptedKey, AdoptedThreadExit);
}

static PKTHREAD NewThreadObject(BOOLEAN System)
{
    PKTHREAD thread = calloc(1, sizeof *thread);
    if (thread == NULL)
        return NULL;
    WskSharpInitHeader(&thread->Header, ThreadObject, 0);
    thread->Magic = WSKSHARP_THREAD_MAGIC;
    thread->References = 1;
    thread->System = System;
    thread->Pthread = pthread_self();
    InitializeListHead(&thread->Link);
    return thread;
}

PKTHREAD WskSharpCurrentThread(void)
{
    if (t_current == NULL) {
        pthread_once(&g_once, MakeKey);
        PKTHREAD thread = NewThreadObject(FALSE);
        if (thread == NULL)
            abort(); /* no memory for a thread identity: nothing sensible can follow */
        t_current = thread;
        pthread_setspecific(g_adoptedKey, thread);
    }
    return t_current;
}

WSKSHARP_API PETHREAD PsGetCurrentThread(void)
{
    return WskSharpCurrentThread();
}

WSKSHARP_API PKTHREAD KeGetCurrentThread(void)
{
    return WskSharpCurrentThread();
}

WSKSHARP_API HANDLE PsGetCurrentThreadId(void)
{
    return (HANDLE)(ULONG_PTR)gettid();
}

WSKSHARP_API HANDLE PsGetCurrentProcessId(void)
{
    return (HANDLE)(ULONG_PTR)getpid();
}

WSKSHARP_API BOOLEAN PsIsSystemThread(PETHREAD Thread)
{
    return Thread != NULL && Thread->System;
}

/* Runs when the start routine returns and when it calls PsTerminateSystemThread (pthread_exit). */
static void ThreadFinished(void *Object)
{
    PKTHREAD thread = Object;
    if (KeGetCurrentIrql() != PASSIVE_LEVEL)
        WskSharpVerifierViolation("THREAD_EXIT_IRQL", NULL, 0, (const void *)thread->StartRoutine,
            "system thread ended at IRQL %u (a spin lock or raised IRQL not released)", KeGetCurrentIrql());
    if (thread->MutexesHeld > 0)
        WskSharpVerifierViolation("THREAD_EXIT_HOLDING_MUTEX", NULL, 0, (const void *)thread->StartRoutine,
            "system thread ended owning %d KMUTEX(es) (THREAD_TERMINATE_HELD_MUTEX on Windows)",
            (int)thread->MutexesHeld);
    t_current = NULL;
    /* The running thread's reference goes in the same step as the signal: whoever the signal wakes sees it
     * gone (a report right after the wait must not count it). */
    pthread_mutex_lock(&WskSharpDispatcherLock);
    thread->Header.SignalState = 1;
    WskSharpDispatcherWake(thread);
    LONG left = InterlockedDecrement(&thread->References);
    pthread_mutex_unlock(&WskSharpDispatcherLock);
    if (left == 0)
        FreeObject(thread);
}

static void *ThreadMain(void *Object)
{
    PKTHREAD thread = Object;
    t_current = thread;
    pthread_cleanup_push(ThreadFinished, thread);
    thread->StartRoutine(thread->StartContext);
    pthread_cleanup_pop(1);
    return NULL;
}

/* The handle table: a handle is (slot + 1) * 4, as Windows numbers them, never a pointer, so a stale or made-up
 * handle is refused instead of read through. */
static PKTHREAD *g_handles;
static ULONG g_handleCapacity;

static HANDLE NewHandle(PKTHREAD Thread)
{
    pthread_mutex_lock(&g_lock);
    ULONG slot = 0;
    while (slot < g_handleCapacity && g_handles[slot] != NULL)
        slot++;
    if (slot == g_handleCapacity) {
        ULONG capacity = g_handleCapacity ? g_handleCapacity * 2 : 64;
        PKTHREAD *grown = realloc(g_handles, capacity * sizeof *grown);
        if (grown == NULL) {
            pthread_mutex_unlock(&g_lock);
            return NULL;
        }
        memset(grown + g_handleCapacity, 0, (capacity - g_handleCapacity) * sizeof *grown);
        g_handles = grown;
        g_handleCapacity = capacity;
    }
    g_handles[slot] = Thread;
    pthread_mutex_unlock(&g_lock);
    return (HANDLE)(ULONG_PTR)((slot + 1) * 4);
}

/* The object behind a handle with a reference taken for the caller (NULL if none); Close also empties the slot
 * (the handle's own reference then passes to the caller). */
static PKTHREAD TakeHandle(HANDLE Handle, BOOLEAN Close)
{
    if (Handle == NtCurrentThread()) {
        if (Close)
            return NULL;
        PKTHREAD me = WskSharpCurrentThread();
        InterlockedIncrement(&me->References);
        return me;
    }
    ULONG_PTR value = (ULONG_PTR)Handle;
    PKTHREAD thread = NULL;
    pthread_mutex_lock(&g_lock);
    if (value != 0 && value % 4 == 0 && value / 4 <= g_handleCapacity) {
        thread = g_handles[value / 4 - 1];
        if (thread != NULL) {
            if (Close) {
                g_handles[value / 4 - 1] = NULL;
                thread->Handles--;
            } else {
                InterlockedIncrement(&thread->References);
            }
        }
    }
    pthread_mutex_unlock(&g_lock);
    return thread;
}

WSKSHARP_API NTSTATUS PsCreateSystemThread(PHANDLE ThreadHandle, ULONG DesiredAccess,
    POBJECT_ATTRIBUTES ObjectAttributes, HANDLE ProcessHandle, PCLIENT_ID ClientId, PKSTART_ROUTINE StartRoutine,
    PVOID StartContext)
{
    (void)DesiredAccess, (void)ObjectAttributes, (void)ProcessHandle;
    if (ThreadHandle == NULL || StartRoutine == NULL)
        return STATUS_INVALID_PARAMETER;
    PKTHREAD thread = NewThreadObject(TRUE);
    if (thread == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    thread->References = 2; /* the running thread and the handle */
    thread->Handles = 1;
    thread->StartRoutine = StartRoutine;
    thread->StartContext = StartContext;
    thread->Creator = WSKSHARP_CALLER();
    HANDLE handle = NewHandle(thread);
    if (handle == NULL) {
        free(thread);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    pthread_mutex_lock(&g_lock);
    InsertTailList(&g_systemThreads, &thread->Link);
    pthread_mutex_unlock(&g_lock);

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&thread->Pthread, &attr, ThreadMain, thread);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        TakeHandle(handle, TRUE);
        thread->References = 1;
        ReleaseObject(thread);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    if (ClientId != NULL) {
        ClientId->UniqueProcess = (HANDLE)(ULONG_PTR)getpid();
        ClientId->UniqueThread = (HANDLE)thread; /* an id, never used as a handle */
    }
    *ThreadHandle = handle;
    return STATUS_SUCCESS;
}

WSKSHARP_API NTSTATUS PsTerminateSystemThread(NTSTATUS ExitStatus)
{
    PKTHREAD me = WskSharpCurrentThread();
    if (!me->System) {
        WskSharpVerifierViolation("TERMINATE_NON_SYSTEM_THREAD", NULL, 0, WSKSHARP_CALLER(),
            "PsTerminateSystemThread called on a thread PsCreateSystemThread did not create");
        /* Windows returns STATUS_INVALID_PARAMETER here; the header says noreturn, so end the thread anyway
         * would kill the host's thread: stop instead. */
        abort();
    }
    me->ExitStatus = ExitStatus;
    pthread_exit(NULL);
}

WSKSHARP_API NTSTATUS ObReferenceObjectByHandleWithTag(HANDLE Handle, ACCESS_MASK DesiredAccess,
    POBJECT_TYPE ObjectType, KPROCESSOR_MODE AccessMode, ULONG Tag, PVOID *Object,
    POBJECT_HANDLE_INFORMATION HandleInformation)
{
    (void)AccessMode, (void)Tag;
    if (Object == NULL)
        return STATUS_INVALID_PARAMETER;
    *Object = NULL;
    if (ObjectType != NULL && ObjectType != *PsThreadType)
        return STATUS_OBJECT_TYPE_MISMATCH;
    PKTHREAD thread = TakeHandle(Handle, FALSE);
    if (thread == NULL)
        return STATUS_INVALID_HANDLE;
    if (HandleInformation != NULL) {
        HandleInformation->HandleAttributes = OBJ_KERNEL_HANDLE;
        HandleInformation->GrantedAccess = DesiredAccess;
    }
    *Object = thread;
    return STATUS_SUCCESS;
}

WSKSHARP_API NTSTATUS ObReferenceObjectByHandle(HANDLE Handle, ACCESS_MASK DesiredAccess, POBJECT_TYPE ObjectType,
    KPROCESSOR_MODE AccessMode, PVOID *Object, POBJECT_HANDLE_INFORMATION HandleInformation)
{
    return ObReferenceObjectByHandleWithTag(Handle, DesiredAccess, ObjectType, AccessMode, 0, Object,
        HandleInformation);
}

static PKTHREAD CheckedThreadObject(PVOID Object, const void *Caller, const char *What)
{
    PKTHREAD thread = Object;
    if (Object == NULL || thread->Magic != WSKSHARP_THREAD_MAGIC || thread->References <= 0) {
        WskSharpVerifierViolation("OBJECT_NOT_REFERENCED", NULL, 0, Caller,
            "%s(%p): not a referenced object (only thread objects are objects here)", What, Object);
        return NULL;
    }
    return thread;
}

WSKSHARP_API LONG_PTR ObfReferenceObject(PVOID Object)
{
    PKTHREAD thread = CheckedThreadObject(Object, WSKSHARP_CALLER(), "ObReferenceObject");
    return thread ? InterlockedIncrement(&thread->References) : 0;
}

WSKSHARP_API LONG_PTR ObfReferenceObjectWithTag(PVOID Object, ULONG Tag)
{
    (void)Tag;
    PKTHREAD thread = CheckedThreadObject(Object, WSKSHARP_CALLER(), "ObReferenceObjectWithTag");
    return thread ? InterlockedIncrement(&thread->References) : 0;
}

static LONG_PTR Dereference(PVOID Object, const void *Caller, const char *What)
{
    PKTHREAD thread = CheckedThreadObject(Object, Caller, What);
    if (thread == NULL)
        return 0;
    LONG left = thread->References - 1;
    ReleaseObject(thread);
    return left;
}

WSKSHARP_API LONG_PTR ObfDereferenceObject(PVOID Object)
{
    return Dereference(Object, WSKSHARP_CALLER(), "ObDereferenceObject");
}

WSKSHARP_API LONG_PTR ObfDereferenceObjectWithTag(PVOID Object, ULONG Tag)
{
    (void)Tag;
    return Dereference(Object, WSKSHARP_CALLER(), "ObDereferenceObjectWithTag");
}

WSKSHARP_API NTSTATUS ZwClose(HANDLE Handle)
{
    PKTHREAD thread = TakeHandle(Handle, TRUE);
    if (thread == NULL) {
        WskSharpVerifierViolation("INVALID_HANDLE", NULL, 0, WSKSHARP_CALLER(),
            "ZwClose(%p): not an open handle", Handle);
        return STATUS_INVALID_HANDLE;
    }
    ReleaseObject(thread);
    return STATUS_SUCCESS;
}

WSKSHARP_API NTSTATUS ZwWaitForSingleObject(HANDLE Handle, BOOLEAN Alertable, PLARGE_INTEGER Timeout)
{
    PKTHREAD thread = TakeHandle(Handle, FALSE);
    if (thread == NULL)
        return STATUS_INVALID_HANDLE;
    NTSTATUS status = WskSharpKeWaitForSingleObject(thread, Executive, KernelMode, Alertable, Timeout, NULL, 0);
    ReleaseObject(thread);
    return status;
}

WSKSHARP_API NTSTATUS KeDelayExecutionThread(KPROCESSOR_MODE WaitMode, BOOLEAN Alertable, PLARGE_INTEGER Interval)
{
    (void)WaitMode, (void)Alertable;
    if (Interval == NULL)
        return STATUS_INVALID_PARAMETER;
    if (KeGetCurrentIrql() >= DISPATCH_LEVEL && Interval->QuadPart != 0)
        WskSharpVerifierViolation("WAIT_AT_DISPATCH_LEVEL", NULL, 0, WSKSHARP_CALLER(),
            "KeDelayExecutionThread at IRQL %u", KeGetCurrentIrql());
    LONGLONG deadline = WskSharpDeadlineFromTimeout(Interval);
    if (deadline < 0)
        return STATUS_INVALID_PARAMETER;
    if (Interval->QuadPart == 0) {
        sched_yield();
        return STATUS_SUCCESS;
    }
    struct timespec ts = WskSharpTimespecFromNs(deadline);
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) { }
    return STATUS_SUCCESS;
}

ULONG WskSharpThreadReport(char *Buffer, SIZE_T Size, SIZE_T *Used)
{
    ULONG problems = 0;
    char site[200];
    pthread_mutex_lock(&g_lock);
    for (PLIST_ENTRY e = g_systemThreads.Flink; e != &g_systemThreads; e = e->Flink) {
        PKTHREAD thread = CONTAINING_RECORD(e, struct _KTHREAD, Link);
        WskSharpDescribeSite(site, sizeof site, NULL, 0, thread->Creator);
        BOOLEAN running = __atomic_load_n(&thread->Header.SignalState, __ATOMIC_SEQ_CST) == 0;
        if (running)
            WskSharpAppend(Buffer, Size, Used, "THREAD_RUNNING at %s: system thread %p (start routine %p) "
                "still running\n", site, (void *)thread, (void *)thread->StartRoutine);
        else if (thread->Handles > 0)
            WskSharpAppend(Buffer, Size, Used, "HANDLE_LEAK at %s: %d handle(s) to system thread %p never "
                "closed (ZwClose)\n", site, (int)thread->Handles, (void *)thread);
        else
            WskSharpAppend(Buffer, Size, Used, "OBJECT_REFERENCE_LEAK at %s: system thread object %p still has "
                "%d reference(s) (ObDereferenceObject)\n", site, (void *)thread, (int)thread->References);
        problems++;
    }
    pthread_mutex_unlock(&g_lock);
    return problems;
}
