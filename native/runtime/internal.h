/* What the runtime's files share and the client never sees: the dispatcher lock, time conversions, the
 * verifier's recording, call-site helpers. */
#ifndef WSKSHARP_RUNTIME_INTERNAL_H
#define WSKSHARP_RUNTIME_INTERNAL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* dladdr, pthread_setname_np */
#endif
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../include/wsksharp/wdm.h"

/* ---- the dispatcher: one lock for every dispatcher object, as Windows' dispatcher lock. A waiting thread is
 * listed with the objects it waits on and sleeps on its own condition; a signal wakes only the threads waiting
 * on that object, which then re-check under the lock. */
extern pthread_mutex_t WskSharpDispatcherLock;
/* Under the lock: wakes the threads waiting on Object (a dispatcher object or a fast mutex). */
void WskSharpDispatcherWake(const void *Object);
/* Under the lock: sleeps once until one of Objects is woken or DeadlineNs (monotonic; <0 forever) passes.
 * Returns FALSE on timeout; callers re-check their condition either way. */
BOOLEAN WskSharpDispatcherWait(ULONG Count, PVOID *Objects, LONGLONG DeadlineNs);
/* Marks an object signalled/unsignalled under the lock held by the caller. */
void WskSharpInitHeader(DISPATCHER_HEADER *Header, UCHAR Type, LONG State);

/* ---- threads ---- */
struct _KTHREAD {
    DISPATCHER_HEADER Header; /* Type ThreadObject; signalled when the thread has ended */
    ULONG Magic;
    volatile LONG References;
    volatile LONG Handles;
    BOOLEAN System; /* made by PsCreateSystemThread (tracked by the verifier) */
    pthread_t Pthread;
    PKSTART_ROUTINE StartRoutine;
    PVOID StartContext;
    NTSTATUS ExitStatus;
    LONG MutexesHeld; /* KMUTEXes this thread owns (under the dispatcher lock) */
    const void *Creator;
    LIST_ENTRY Link;
};
#define WSKSHARP_THREAD_MAGIC 0x64726854u /* "Thrd" */
PKTHREAD WskSharpCurrentThread(void);
ULONG WskSharpThreadReport(char *Buffer, SIZE_T Size, SIZE_T *Used);

/* ---- time ---- */
LONGLONG WskSharpMonotonicNs(void);
LONGLONG WskSharpSystemTime100ns(void);
/* A Windows timeout (NULL forever, <0 relative, >0 absolute system time; 100 ns) as a monotonic deadline in ns
 * (-1 forever). */
LONGLONG WskSharpDeadlineFromTimeout(const LARGE_INTEGER *Timeout);
struct timespec WskSharpTimespecFromNs(LONGLONG Ns);

/* ---- verifier ---- */
void WskSharpViolationV(const char *Rule, const char *File, int Line, const void *Caller, const char *Format,
    va_list Args);
/* Appends printf output at *Used within Size (always terminated), returns nothing; Used grows by what it would
 * have written so a caller can tell it was cut. */
void WskSharpAppend(char *Buffer, SIZE_T Size, SIZE_T *Used, const char *Format, ...)
    __attribute__((format(printf, 4, 5)));
/* "file:line" or "symbol+0xoff" or "0xaddr" for a call site. */
void WskSharpDescribeSite(char *Out, SIZE_T Size, const char *File, int Line, const void *Caller);
/* A pool tag as Windows shows it: its bytes in memory order, non-printables as '.'. */
void WskSharpTagText(ULONG Tag, char Out[5]);

ULONG WskSharpPoolReport(char *Buffer, SIZE_T Size, SIZE_T *Used);
ULONG WskSharpTimerReport(char *Buffer, SIZE_T Size, SIZE_T *Used);
ULONG WskSharpWorkItemReport(char *Buffer, SIZE_T Size, SIZE_T *Used);
ULONG WskSharpDeviceReport(char *Buffer, SIZE_T Size, SIZE_T *Used);
ULONG WskSharpLookasideReport(char *Buffer, SIZE_T Size, SIZE_T *Used);

/* Pool allocation for the runtime's own objects that a driver owns (work items, strings): tracked like the
 * driver's own so a leak shows under the given tag. */
PVOID WskSharpPoolAllocateAt(SIZE_T Bytes, ULONG Tag, BOOLEAN Zero, const char *File, int Line, const void *Caller);
VOID WskSharpPoolFreeAt(PVOID P, ULONG Tag, BOOLEAN TagGiven, const char *File, int Line, const void *Caller);

/* ---- Microsoft-format printf engine (format.c) ---- */
typedef struct WSKSHARP_SINK {
    BOOLEAN Wide;   /* units are WCHAR, else bytes (Latin-1) */
    void *Buffer;   /* may be NULL when Capacity is 0 */
    SIZE_T Capacity; /* units that may be stored */
    SIZE_T Stored;
    SIZE_T Wanted;  /* units the whole output needs */
} WSKSHARP_SINK;
void WskSharpFormat(WSKSHARP_SINK *Sink, const void *Format, BOOLEAN FormatWide, va_list *Args);

#define WSKSHARP_CALLER() __builtin_return_address(0)

#endif /* WSKSHARP_RUNTIME_INTERNAL_H */
