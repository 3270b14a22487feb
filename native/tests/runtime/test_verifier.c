/* Each verifier rule of the runtime, provoked on purpose and caught with its call site. */
#include "harness.h"

#include <stdio.h>

#define TAG_LEAK 'kaeL'

TEST(verifier_reports_pool_leak_with_tag_and_site)
{
    char report[2048];
    PVOID p = ExAllocatePool2(POOL_FLAG_NON_PAGED, 40, TAG_LEAK);
    EXPECT(WskSharpVerifierReport(report, sizeof report) == 1);
    EXPECT(strstr(report, "POOL_LEAK") != NULL);
    EXPECT(strstr(report, "'Leak'") != NULL);
    EXPECT(strstr(report, "test_verifier.c:") != NULL);
    EXPECT(strstr(report, "40 bytes") != NULL);
    ExFreePoolWithTag(p, TAG_LEAK);
    EXPECT(WskSharpVerifierReport(report, sizeof report) == 0);
}

TEST(verifier_catches_double_free)
{
    char report[2048];
    PVOID p = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, TAG_LEAK);
    ExFreePoolWithTag(p, TAG_LEAK);
    ExFreePoolWithTag(p, TAG_LEAK);
    EXPECT(WskSharpVerifierReport(report, sizeof report) == 1);
    EXPECT(strstr(report, "POOL_DOUBLE_FREE at ") != NULL && strstr(report, "first freed at ") != NULL);
    EXPECT_VIOLATION("POOL_DOUBLE_FREE");
}

TEST(verifier_catches_free_with_wrong_tag)
{
    PVOID p = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, TAG_LEAK);
    ExFreePoolWithTag(p, 'gnrW');
    EXPECT_VIOLATION("POOL_WRONG_TAG");
    EXPECT(WskSharpPoolOutstanding(TAG_LEAK, NULL) == 0);
}

TEST(verifier_catches_free_of_non_pool_memory)
{
    static UCHAR DECLSPEC_ALIGN(64) notPool[256];
    ExFreePool(notPool + 128);
    EXPECT_VIOLATION("POOL_BAD_FREE");
}

TEST(verifier_catches_blocking_wait_at_dispatch_level)
{
    KEVENT e;
    char report[2048];
    LARGE_INTEGER zero = { .QuadPart = 0 };
    KeInitializeEvent(&e, NotificationEvent, TRUE);
    KIRQL old = WskSharpEnterDispatch(); /* as a completion routine runs */
    EXPECT_STATUS(KeWaitForSingleObject(&e, Executive, KernelMode, FALSE, &zero), STATUS_SUCCESS); /* a poll: fine */
    EXPECT(WskSharpVerifierViolationCount(NULL) == 0);
    KeWaitForSingleObject(&e, Executive, KernelMode, FALSE, NULL);
    WskSharpLeaveDispatch(old);
    EXPECT(WskSharpVerifierReport(report, sizeof report) == 1);
    EXPECT(strstr(report, "WAIT_AT_DISPATCH_LEVEL at ") != NULL && strstr(report, "test_verifier.c:") != NULL);
    EXPECT_VIOLATION("WAIT_AT_DISPATCH_LEVEL");
    PVOID objects[1] = { &e };
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    KeWaitForMultipleObjects(1, objects, WaitAny, Executive, KernelMode, FALSE, NULL, NULL);
    KeLowerIrql(old);
    EXPECT_VIOLATION("WAIT_AT_DISPATCH_LEVEL");
}

TEST(verifier_catches_irql_not_restored_by_callback)
{
    KSPIN_LOCK lock;
    KIRQL ignored;
    KeInitializeSpinLock(&lock);
    KIRQL old = WskSharpEnterDispatch();
    KeRaiseIrql(HIGH_LEVEL, &ignored); /* a callback that forgets to lower */
    WskSharpLeaveDispatch(old);
    EXPECT_VIOLATION("IRQL_NOT_RESTORED");
}

TEST(verifier_catches_paged_code_and_paged_pool_at_dispatch)
{
    KIRQL old = WskSharpEnterDispatch();
    PAGED_CODE();
    PVOID p = ExAllocatePool2(POOL_FLAG_PAGED, 8, TAG_LEAK);
    WskSharpLeaveDispatch(old);
    ExFreePoolWithTag(p, TAG_LEAK);
    EXPECT(WskSharpVerifierViolationCount("PAGED_CODE_AT_DISPATCH_LEVEL") == 1);
    EXPECT_VIOLATION("PAGED_POOL_AT_DISPATCH_LEVEL");
    PAGED_CODE();
}

TEST(verifier_records_failed_assertions_and_breakpoints)
{
    int x = 1;
    CaptureBegin();
    ASSERT(x == 2);
    NT_ASSERT(x == 1);
    const char *out = CaptureEnd();
    EXPECT(strstr(out, "Assertion failed: x == 2") != NULL);
    EXPECT_VIOLATION("ASSERTION_FAILED");
    DbgBreakPoint(); /* no debugger here */
    EXPECT_VIOLATION("BREAKPOINT");
}

static KEVENT g_release;
static VOID Blocked(PVOID Context)
{
    (void)Context;
    KeWaitForSingleObject(&g_release, Executive, KernelMode, FALSE, NULL);
}

TEST(verifier_reports_running_thread_and_open_handle)
{
    HANDLE h;
    char report[2048];
    KeInitializeEvent(&g_release, NotificationEvent, FALSE);
    EXPECT_STATUS(PsCreateSystemThread(&h, 0, NULL, NULL, NULL, Blocked, NULL), STATUS_SUCCESS);
    EXPECT(WskSharpVerifierReport(report, sizeof report) == 1 && strstr(report, "THREAD_RUNNING") != NULL);
    KeSetEvent(&g_release, 0, FALSE);
    EXPECT_STATUS(ZwWaitForSingleObject(h, FALSE, NULL), STATUS_SUCCESS);
    EXPECT(WskSharpVerifierReport(report, sizeof report) == 1 && strstr(report, "HANDLE_LEAK") != NULL);
    PVOID thread;
    EXPECT_STATUS(ObReferenceObjectByHandle(h, SYNCHRONIZE, *PsThreadType, KernelMode, &thread, NULL), STATUS_SUCCESS);
    ZwClose(h);
    EXPECT(WskSharpVerifierReport(report, sizeof report) == 1 && strstr(report, "OBJECT_REFERENCE_LEAK") != NULL);
    ObDereferenceObject(thread);
    EXPECT(WskSharpVerifierReport(report, sizeof report) == 0);
}

TEST(verifier_reports_timer_lookaside_and_device_left_behind)
{
    KTIMER timer;
    NPAGED_LOOKASIDE_LIST list;
    DRIVER_OBJECT driver;
    PDEVICE_OBJECT device;
    char report[4096];
    RtlZeroMemory(&driver, sizeof driver);
    KeInitializeTimer(&timer);
    LARGE_INTEGER due = Ms(60000);
    KeSetTimer(&timer, due, NULL);
    ExInitializeNPagedLookasideList(&list, NULL, NULL, 0, 32, 'tsiL', 0);
    EXPECT_STATUS(IoCreateDevice(&driver, 16, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &device), STATUS_SUCCESS);
    ULONG problems = WskSharpVerifierReport(report, sizeof report);
    /* Cleaned up before checking: a timer on this stack must not stay in the timer list. */
    BOOLEAN wasSet = KeCancelTimer(&timer);
    ExDeleteNPagedLookasideList(&list);
    IoDeleteDevice(device);
    EXPECT(wasSet);
    EXPECT(strstr(report, "TIMER_STILL_SET") != NULL);
    EXPECT(strstr(report, "LOOKASIDE_NOT_DELETED") != NULL);
    EXPECT(strstr(report, "DEVICE_NOT_DELETED") != NULL);
    EXPECT(problems == 4); /* the device's pool block is also a POOL_LEAK line */
    EXPECT(driver.DeviceObject == NULL);
    EXPECT(WskSharpVerifierReport(report, sizeof report) == 0);
}

static ULONG OtherLayer(char *Buffer, SIZE_T Size)
{
    snprintf(Buffer, Size, "IRP_LEAK at driver.c:7: 1 IRP never freed\n");
    return 1;
}
static ULONG g_otherLayerActive;
static ULONG MaybeOtherLayer(char *Buffer, SIZE_T Size)
{
    return g_otherLayerActive ? OtherLayer(Buffer, Size) : 0;
}

TEST(verifier_takes_other_layers_reports_and_violations)
{
    char report[2048];
    WskSharpVerifierAddSource(MaybeOtherLayer);
    g_otherLayerActive = 1;
    WskSharpVerifierViolation("IRP_FREED_PENDING", "driver.c", 9, NULL, "IRP %p freed while pending", (void *)0x10);
    EXPECT(WskSharpVerifierReport(report, sizeof report) == 2);
    EXPECT(strstr(report, "IRP_FREED_PENDING at driver.c:9: IRP 0x10 freed while pending\n") != NULL);
    EXPECT(strstr(report, "IRP_LEAK at driver.c:7") != NULL);
    g_otherLayerActive = 0;
    EXPECT_VIOLATION("IRP_FREED_PENDING");
    EXPECT(WskSharpVerifierReport(NULL, 0) == 0);
}

TEST(verifier_report_is_cut_but_terminated)
{
    char small[16];
    PVOID p = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, TAG_LEAK);
    memset(small, 'x', sizeof small);
    EXPECT(WskSharpVerifierReport(small, sizeof small) == 1);
    EXPECT(strlen(small) == sizeof small - 1);
    ExFreePool(p);
}

static VOID TakesMutexAndEnds(PVOID Context)
{
    KeWaitForSingleObject((PKMUTEX)Context, Executive, KernelMode, FALSE, NULL);
}

TEST(verifier_catches_thread_ending_with_a_mutex)
{
    KMUTEX m;
    HANDLE h;
    KeInitializeMutex(&m, 0);
    EXPECT_STATUS(PsCreateSystemThread(&h, 0, NULL, NULL, NULL, TakesMutexAndEnds, &m), STATUS_SUCCESS);
    ZwWaitForSingleObject(h, FALSE, NULL);
    ZwClose(h);
    EXPECT_VIOLATION("THREAD_EXIT_HOLDING_MUTEX");
}

TEST(quarantine_wraps_and_bounds_memory)
{
    PVOID last = NULL;
    for (int i = 0; i < 3000; i++) { /* wraps the 1024-block quarantine */
        last = ExAllocatePool2(POOL_FLAG_NON_PAGED, 100, TAG_LEAK);
        ExFreePoolWithTag(last, TAG_LEAK);
    }
    ExFreePoolWithTag(last, TAG_LEAK);
    EXPECT_VIOLATION("POOL_DOUBLE_FREE");
    for (int i = 0; i < 3; i++) { /* 6 MB each: the 16 MB bound evicts older blocks */
        PVOID big = ExAllocatePool2(POOL_FLAG_NON_PAGED, 6u << 20, TAG_LEAK);
        EXPECT(big != NULL);
        ExFreePoolWithTag(big, TAG_LEAK);
    }
    PVOID huge = ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_UNINITIALIZED, 17u << 20, TAG_LEAK);
    EXPECT(huge != NULL);
    ExFreePoolWithTag(huge, TAG_LEAK); /* larger than the bound: straight back to malloc */
    EXPECT(WskSharpPoolOutstanding(TAG_LEAK, NULL) == 0);
}
