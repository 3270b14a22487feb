/* Time, random numbers, SEH macros, layouts. */
#include "harness.h"

TEST(time_sources)
{
    LARGE_INTEGER now, later, freq, ticks;
    KeQuerySystemTime(&now);
    EXPECT(now.QuadPart > 132223104000000000LL); /* after 2020-01-01 in 100 ns since 1601 */
    KeQuerySystemTimePrecise(&later);
    EXPECT(later.QuadPart >= now.QuadPart);
    LARGE_INTEGER c1 = KeQueryPerformanceCounter(&freq);
    LARGE_INTEGER c2 = KeQueryPerformanceCounter(NULL);
    EXPECT(freq.QuadPart == 10000000 && c2.QuadPart >= c1.QuadPart);
    KeQueryTickCount(&ticks);
    EXPECT(ticks.QuadPart >= 0 && KeQueryTimeIncrement() == 156250);
    LARGE_INTEGER zero = { .QuadPart = 0 };
    EXPECT_STATUS(KeDelayExecutionThread(KernelMode, FALSE, &zero), STATUS_SUCCESS);
}

TEST(random_ex_stays_in_range)
{
    ULONG seed = 12345, previous = seed;
    for (int i = 0; i < 1000; i++) {
        ULONG r = RtlRandomEx(&seed);
        EXPECT(r < MAXLONG);
        EXPECT(seed != previous);
        previous = seed;
    }
}

TEST(seh_macros_run_the_guarded_block)
{
    int tried = 0, handled = 0, finally = 0;
    __try {
        tried = 1;
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        handled = (int)GetExceptionCode() + 1;
    }
    __try {
        tried++;
    } __finally {
        finally = 1;
    }
    EXPECT(tried == 2 && handled == 0 && finally == 1 && !AbnormalTermination());
}

TEST(layouts_match_windows_x64)
{
    EXPECT(sizeof(LONG) == 4 && sizeof(ULONG) == 4 && sizeof(BOOLEAN) == 1 && sizeof(WCHAR) == 2);
    EXPECT(sizeof(ULONG_PTR) == 8 && sizeof(LARGE_INTEGER) == 8 && sizeof(UNICODE_STRING) == 16);
    EXPECT(offsetof(UNICODE_STRING, Buffer) == 8 && sizeof(ANSI_STRING) == 16 && sizeof(GUID) == 16);
    EXPECT(sizeof(KEVENT) == 24 && sizeof(KSPIN_LOCK) == 8 && sizeof(KMUTEX) == 56 && sizeof(FAST_MUTEX) == 56);
    EXPECT(sizeof(KTIMER) == 64 && sizeof(KDPC) == 64 && sizeof(WORK_QUEUE_ITEM) == 32);
    EXPECT(sizeof(NPAGED_LOOKASIDE_LIST) == 128 && __alignof__(NPAGED_LOOKASIDE_LIST) == 64);
    EXPECT(sizeof(KSEMAPHORE) == 32 && sizeof(KLOCK_QUEUE_HANDLE) == 24);
    EXPECT(sizeof(SLIST_HEADER) == 16 && __alignof__(SLIST_HEADER) == 16);
    EXPECT(sizeof(DRIVER_OBJECT) == 0x150 && offsetof(DRIVER_OBJECT, DriverUnload) == 0x68);
    EXPECT(sizeof(DEVICE_OBJECT) == 0x148 && sizeof(IN_ADDR) == 4 && sizeof(IN6_ADDR) == 16);
    LARGE_INTEGER li;
    li.QuadPart = 0x0000000100000002LL;
    EXPECT(li.LowPart == 2 && li.HighPart == 1 && li.u.LowPart == 2);
    EXPECT(NT_SUCCESS(STATUS_PENDING) && NT_SUCCESS(STATUS_TIMEOUT) && !NT_SUCCESS(STATUS_BUFFER_OVERFLOW));
    EXPECT(!NT_SUCCESS(STATUS_CONNECTION_REFUSED) && STATUS_CONNECTION_REFUSED == (NTSTATUS)0xC0000236);
    EXPECT('tseT' == 0x74736554);
}

TEST(ntdef_helper_macros)
{
    UCHAR buffer[8];
    ULONG values[5];
    EXPECT(_countof(values) == 5 && ARRAYSIZE(values) == 5);
    EXPECT(Add2Ptr(buffer, 3) == (PVOID)&buffer[3] && PtrOffset(buffer, &buffer[6]) == 6);
    EXPECT(ARGUMENT_PRESENT(buffer) && !ARGUMENT_PRESENT(NULL));
    EXPECT(LOWORD(0x12345678) == 0x5678 && HIWORD(0x12345678) == 0x1234);
    EXPECT(LOBYTE(0x1234) == 0x34 && HIBYTE(0x1234) == 0x12);
    EXPECT(MAKEWORD(0x34, 0x12) == 0x1234 && MAKELONG(0x5678, 0x1234) == 0x12345678);
    EXPECT(FIELD_OFFSET(UNICODE_STRING, Buffer) == 8 && RTL_FIELD_SIZE(UNICODE_STRING, Length) == 2);
    EXPECT(ALIGN_UP_BY(13, 8) == 16 && ALIGN_DOWN_BY(13, 8) == 8);
}
