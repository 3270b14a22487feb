/* Time and random numbers. System time is 100 ns units since 1601-01-01 UTC; the performance counter runs at
 * 10 MHz over CLOCK_MONOTONIC; the tick is Windows' default 15.625 ms. */
#ifndef WSKSHARP_NT_SYSTIME_H
#define WSKSHARP_NT_SYSTIME_H

#include "../ntdef.h"

WSKSHARP_BEGIN_DECLS

WSKSHARP_API VOID KeQuerySystemTime(PLARGE_INTEGER CurrentTime);
WSKSHARP_API VOID KeQuerySystemTimePrecise(PLARGE_INTEGER CurrentTime);
WSKSHARP_API LARGE_INTEGER KeQueryPerformanceCounter(PLARGE_INTEGER PerformanceFrequency);
WSKSHARP_API VOID KeQueryTickCount(PLARGE_INTEGER TickCount);
WSKSHARP_API ULONG KeQueryTimeIncrement(void);
WSKSHARP_API ULONGLONG KeQueryInterruptTime(void);
WSKSHARP_API ULONG RtlRandomEx(PULONG Seed);
WSKSHARP_API ULONG RtlRandom(PULONG Seed);

WSKSHARP_END_DECLS

#endif /* WSKSHARP_NT_SYSTIME_H */
