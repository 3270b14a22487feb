/* Clocks and random numbers. */
#include "internal.h"

/* Seconds between 1601-01-01 and 1970-01-01, in 100 ns units. */
#define EPOCH_DIFFERENCE_100NS 116444736000000000LL
#define TIME_INCREMENT_100NS 156250 /* Windows' default 15.625 ms tick */

LONGLONG WskSharpMonotonicNs(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (LONGLONG)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

LONGLONG WskSharpSystemTime100ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (LONGLONG)ts.tv_sec * 10000000LL + ts.tv_nsec / 100 + EPOCH_DIFFERENCE_100NS;
}

LONGLONG WskSharpDeadlineFromTimeout(const LARGE_INTEGER *Timeout)
{
    if (Timeout == NULL)
        return -1;
    LONGLONG now = WskSharpMonotonicNs();
    LONGLONG t = Timeout->QuadPart;
    LONGLONG relative100ns = t <= 0 ? -t : t - WskSharpSystemTime100ns();
    if (relative100ns < 0)
        relative100ns = 0;
    if (relative100ns > (LONGLONG)(INT64_MAX / 200)) /* far enough to be forever, without overflow */
        return -1;
    return now + relative100ns * 100;
}

struct timespec WskSharpTimespecFromNs(LONGLONG Ns)
{
    struct timespec ts = { (time_t)(Ns / 1000000000LL), (long)(Ns % 1000000000LL) };
    return ts;
}

WSKSHARP_API VOID KeQuerySystemTime(PLARGE_INTEGER CurrentTime)
{
    CurrentTime->QuadPart = WskSharpSystemTime100ns();
}

WSKSHARP_API VOID KeQuerySystemTimePrecise(PLARGE_INTEGER CurrentTime)
{
    CurrentTime->QuadPart = WskSharpSystemTime100ns();
}

WSKSHARP_API LARGE_INTEGER KeQueryPerformanceCounter(PLARGE_INTEGER PerformanceFrequency)
{
    LARGE_INTEGER counter;
    if (PerformanceFrequency != NULL)
        PerformanceFrequency->QuadPart = 10000000;
    counter.QuadPart = WskSharpMonotonicNs() / 100;
    return counter;
}

WSKSHARP_API ULONGLONG KeQueryInterruptTime(void)
{
    return (ULONGLONG)(WskSharpMonotonicNs() / 100);
}

WSKSHARP_API VOID KeQueryTickCount(PLARGE_INTEGER TickCount)
{
    TickCount->QuadPart = WskSharpMonotonicNs() / 100 / TIME_INCREMENT_100NS;
}

WSKSHARP_API ULONG KeQueryTimeIncrement(void)
{
    return TIME_INCREMENT_100NS;
}

/* A multiplicative congruential generator over 2^31 - 1 (Park-Miller): results in [0, MAXLONG - 1] as
 * documented; the sequence is not Windows' own. */
WSKSHARP_API ULONG RtlRandomEx(PULONG Seed)
{
    ULONGLONG next = ((ULONGLONG)(*Seed % 0x7fffffffu) * 48271u) % 0x7fffffffu;
    if (next == 0)
        next = 1;
    *Seed = (ULONG)next;
    return (ULONG)(next - 1);
}

WSKSHARP_API ULONG RtlRandom(PULONG Seed)
{
    return RtlRandomEx(Seed);
}
