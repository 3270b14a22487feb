/* Pool, lookaside lists, LIST_ENTRY, SLIST, Interlocked, Rtl memory and byte swaps. */
#include "harness.h"

#define TAG_A 'AtsT'
#define TAG_B 'BtsT'

TEST(pool2_zeroes_and_aligns_and_tracks_by_tag)
{
    SIZE_T bytes = 0;
    UCHAR *p = ExAllocatePool2(POOL_FLAG_NON_PAGED, 100, TAG_A);
    EXPECT(p != NULL);
    EXPECT(((ULONG_PTR)p & 15) == 0);
    for (int i = 0; i < 100; i++)
        EXPECT(p[i] == 0);
    UCHAR *q = ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_UNINITIALIZED, 10, TAG_A);
    PVOID r = ExAllocatePoolWithTag(NonPagedPoolNx, 7, TAG_B);
    EXPECT(WskSharpPoolOutstanding(TAG_A, &bytes) == 2 && bytes == 110);
    EXPECT(WskSharpPoolOutstanding(TAG_B, &bytes) == 1 && bytes == 7);
    ExFreePoolWithTag(p, TAG_A);
    ExFreePool(q);
    ExFreePoolWithTag(r, TAG_B);
    EXPECT(WskSharpPoolOutstanding(TAG_A, NULL) == 0);
    EXPECT(WskSharpPoolOutstanding(TAG_B, NULL) == 0);
}

TEST(pool_zero_uninitialized_and_pool3)
{
    UCHAR *z = ExAllocatePoolZero(NonPagedPoolNx, 32, TAG_A);
    UCHAR *u = ExAllocatePoolUninitialized(NonPagedPoolNx, 32, TAG_A);
    POOL_EXTENDED_PARAMETER param = { 0 };
    param.Type = PoolExtendedParameterPriority;
    param.Priority = NormalPoolPriority;
    UCHAR *three = ExAllocatePool3(POOL_FLAG_NON_PAGED, 16, TAG_A, &param, 1);
    EXPECT(z && u && three);
    int nonzero = 0;
    for (int i = 0; i < 32; i++) {
        EXPECT(z[i] == 0);
        nonzero += u[i] != 0; /* not zeroed, so code relying on zero fails here as on Windows */
    }
    EXPECT(nonzero == 32);
    ExFreePoolWithTag(z, TAG_A);
    ExFreePoolWithTag(u, TAG_A);
    ExFreePool2(three, TAG_A, NULL, 0);
    (ExFreePool)((ExAllocatePoolWithTag)(NonPagedPool, 1, TAG_A)); /* the plain functions, not the macros */
    EXPECT(WskSharpPoolOutstanding(TAG_A, NULL) == 0);
}

TEST(pool2_refuses_bad_flags)
{
    EXPECT(ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_PAGED, 8, TAG_A) == NULL);
    EXPECT_VIOLATION("POOL_BAD_FLAGS");
    EXPECT(ExAllocatePool2(0, 8, TAG_A) == NULL);
    EXPECT_VIOLATION("POOL_BAD_FLAGS");
}

TEST(lookaside_reuses_blocks)
{
    NPAGED_LOOKASIDE_LIST list;
    PVOID a[3];
    ExInitializeNPagedLookasideList(&list, NULL, NULL, 0, 200, TAG_B, 0);
    for (int i = 0; i < 3; i++) {
        a[i] = ExAllocateFromNPagedLookasideList(&list);
        EXPECT(a[i] != NULL);
    }
    for (int i = 0; i < 3; i++)
        ExFreeToNPagedLookasideList(&list, a[i]);
    EXPECT(WskSharpPoolOutstanding(TAG_B, NULL) == 3); /* cached, still pool */
    PVOID again = ExAllocateFromNPagedLookasideList(&list);
    EXPECT(again == a[2]);
    EXPECT(list.L.TotalAllocates == 4 && list.L.AllocateMisses == 3);
    ExFreeToNPagedLookasideList(&list, again);
    ExDeleteNPagedLookasideList(&list);
    EXPECT(WskSharpPoolOutstanding(TAG_B, NULL) == 0);
}

static int g_customAllocations;
static PVOID CustomAllocate(POOL_TYPE Type, SIZE_T Bytes, ULONG Tag)
{
    g_customAllocations++;
    return ExAllocatePoolWithTag(Type, Bytes, Tag);
}
static VOID CustomFree(PVOID Buffer)
{
    g_customAllocations--;
    ExFreePool(Buffer);
}

TEST(lookaside_uses_custom_allocator)
{
    NPAGED_LOOKASIDE_LIST list;
    ExInitializeNPagedLookasideList(&list, CustomAllocate, CustomFree, 0, 64, TAG_B, 0);
    PVOID p = ExAllocateFromNPagedLookasideList(&list);
    EXPECT(p != NULL && g_customAllocations == 1);
    ExFreeToNPagedLookasideList(&list, p);
    ExDeleteNPagedLookasideList(&list);
    EXPECT(g_customAllocations == 0);
}

typedef struct ITEM {
    int Value;
    LIST_ENTRY Link;
} ITEM;

TEST(list_entry_operations)
{
    LIST_ENTRY head;
    ITEM items[4];
    InitializeListHead(&head);
    EXPECT(IsListEmpty(&head));
    for (int i = 0; i < 4; i++) {
        items[i].Value = i;
        if (i % 2)
            InsertTailList(&head, &items[i].Link);
        else
            InsertHeadList(&head, &items[i].Link);
    }
    /* order: 2 0 1 3 */
    int expected[4] = { 2, 0, 1, 3 }, k = 0;
    for (PLIST_ENTRY e = head.Flink; e != &head; e = e->Flink)
        EXPECT(CONTAINING_RECORD(e, ITEM, Link)->Value == expected[k++]);
    EXPECT(k == 4);
    EXPECT(CONTAINING_RECORD(RemoveHeadList(&head), ITEM, Link)->Value == 2);
    EXPECT(CONTAINING_RECORD(RemoveTailList(&head), ITEM, Link)->Value == 3);
    EXPECT(!RemoveEntryList(&items[1].Link));
    EXPECT(RemoveEntryList(&items[0].Link));
    EXPECT(IsListEmpty(&head));
    SINGLE_LIST_ENTRY stack = { NULL }, s1, s2;
    PushEntryList(&stack, &s1);
    PushEntryList(&stack, &s2);
    EXPECT(PopEntryList(&stack) == &s2 && PopEntryList(&stack) == &s1 && PopEntryList(&stack) == NULL);
}

typedef struct DECLSPEC_ALIGN(16) SITEM {
    SLIST_ENTRY Entry;
    int Value;
} SITEM;

TEST(slist_push_pop_flush_depth)
{
    SLIST_HEADER head;
    SITEM items[3];
    InitializeSListHead(&head);
    EXPECT(InterlockedPopEntrySList(&head) == NULL);
    EXPECT(InterlockedPushEntrySList(&head, &items[0].Entry) == NULL);
    EXPECT(InterlockedPushEntrySList(&head, &items[1].Entry) == &items[0].Entry);
    InterlockedPushEntrySList(&head, &items[2].Entry);
    EXPECT(QueryDepthSList(&head) == 3);
    EXPECT(FirstEntrySList(&head) == &items[2].Entry);
    EXPECT(InterlockedPopEntrySList(&head) == &items[2].Entry);
    EXPECT(QueryDepthSList(&head) == 2);
    PSLIST_ENTRY all = InterlockedFlushSList(&head);
    EXPECT(all == &items[1].Entry && all->Next == &items[0].Entry && all->Next->Next == NULL);
    EXPECT(QueryDepthSList(&head) == 0 && InterlockedPopEntrySList(&head) == NULL);
}

static SLIST_HEADER g_shared;
static VOID PushPop(PVOID Context)
{
    SITEM *items = Context;
    for (int round = 0; round < 2000; round++) {
        for (int i = 0; i < 4; i++)
            InterlockedPushEntrySList(&g_shared, &items[i].Entry);
        for (int i = 0; i < 4; i++)
            while (InterlockedPopEntrySList(&g_shared) == NULL) { }
    }
}

TEST(slist_concurrent_push_pop)
{
    static SITEM items[2][4];
    HANDLE h[2];
    InitializeSListHead(&g_shared);
    for (int i = 0; i < 2; i++)
        EXPECT_STATUS(PsCreateSystemThread(&h[i], 0, NULL, NULL, NULL, PushPop, items[i]), STATUS_SUCCESS);
    for (int i = 0; i < 2; i++) {
        ZwWaitForSingleObject(h[i], FALSE, NULL);
        ZwClose(h[i]);
    }
    EXPECT(QueryDepthSList(&g_shared) == 0);
}

TEST(interlocked_values)
{
    volatile LONG v = 5;
    EXPECT(InterlockedIncrement(&v) == 6);
    EXPECT(InterlockedDecrement(&v) == 5);
    EXPECT(InterlockedExchange(&v, 9) == 5 && v == 9);
    EXPECT(InterlockedCompareExchange(&v, 1, 8) == 9 && v == 9);
    EXPECT(InterlockedCompareExchange(&v, 1, 9) == 9 && v == 1);
    EXPECT(InterlockedExchangeAdd(&v, 10) == 1 && v == 11);
    EXPECT(InterlockedOr(&v, 0x100) == 11 && v == 0x10b);
    EXPECT(InterlockedAnd(&v, 0xff) == 0x10b && v == 0x0b);
    volatile LONG64 w = 1LL << 40;
    EXPECT(InterlockedIncrement64(&w) == (1LL << 40) + 1);
    EXPECT(InterlockedDecrement64(&w) == 1LL << 40);
    EXPECT(InterlockedExchange64(&w, 3) == 1LL << 40);
    EXPECT(InterlockedCompareExchange64(&w, 4, 3) == 3 && w == 4);
    EXPECT(InterlockedExchangeAdd64(&w, 1LL << 33) == 4 && w == (1LL << 33) + 4);
    EXPECT(InterlockedOr64(&w, 1) == (1LL << 33) + 4 && w == (1LL << 33) + 5);
    EXPECT(InterlockedAnd64(&w, 1) == (1LL << 33) + 5 && w == 1);
    int a, b;
    PVOID volatile ptr = &a;
    EXPECT(InterlockedExchangePointer(&ptr, &b) == &a && ptr == &b);
    EXPECT(InterlockedCompareExchangePointer(&ptr, &a, &a) == &b && ptr == &b);
    EXPECT(InterlockedCompareExchangePointer(&ptr, &a, &b) == &b && ptr == &a);
}

TEST(rtl_memory_and_byte_swaps)
{
    UCHAR a[8], b[8];
    RtlFillMemory(a, sizeof a, 0x5a);
    RtlCopyMemory(b, a, sizeof b);
    EXPECT(RtlEqualMemory(a, b, sizeof a));
    b[5] = 0;
    EXPECT(RtlCompareMemory(a, b, sizeof a) == 5);
    RtlMoveMemory(a + 1, a, 4);
    RtlZeroMemory(a, sizeof a);
    EXPECT(RtlCompareMemory(a, "\0\0\0\0\0\0\0\0", 8) == 8);
    EXPECT(RtlUshortByteSwap(0x1234) == 0x3412);
    EXPECT(RtlUlongByteSwap(0x12345678) == 0x78563412);
    EXPECT(RtlUlonglongByteSwap(0x0102030405060708ULL) == 0x0807060504030201ULL);
    EXPECT(UInt32x32To64(0xffffffffu, 2) == 0x1fffffffeULL);
}

TEST(legacy_untagged_pool_is_tagged_none)
{
    PVOID p = ExAllocatePool(NonPagedPool, 12);
    EXPECT(p != NULL);
    EXPECT(WskSharpPoolOutstanding('enoN', NULL) == 1);
    ExFreePool(p);
}
