/* Non-paged lookaside lists: an SLIST of free blocks in front of the pool (or the driver's own allocate/free
 * functions). Cached blocks are still pool, so a list never deleted shows as its blocks leaking too; the list
 * itself is reported as LOOKASIDE_NOT_DELETED (Windows bug-checks when the driver unloads with one). */
#include "internal.h"

#include <string.h>

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static LIST_ENTRY g_lists = { &g_lists, &g_lists };

#define DEFAULT_MAXIMUM_DEPTH 256

static PVOID DefaultAllocate(PGENERAL_LOOKASIDE L, const void *Caller)
{
    return WskSharpPoolAllocateAt(L->Size, L->Tag, FALSE, NULL, 0, Caller);
}

WSKSHARP_API VOID ExInitializeNPagedLookasideList(PNPAGED_LOOKASIDE_LIST Lookaside, PALLOCATE_FUNCTION Allocate,
    PFREE_FUNCTION Free, ULONG Flags, SIZE_T Size, ULONG Tag, USHORT Depth)
{
    (void)Flags, (void)Depth; /* Depth is documented as reserved (zero) */
    PGENERAL_LOOKASIDE L = &Lookaside->L;
    memset(Lookaside, 0, sizeof *Lookaside);
    InitializeSListHead(&L->ListHead);
    L->Depth = 4;
    L->MaximumDepth = DEFAULT_MAXIMUM_DEPTH;
    L->Type = NonPagedPoolNx;
    L->Tag = Tag;
    /* Blocks must hold an SLIST_ENTRY while cached. */
    L->Size = (ULONG)(Size < sizeof(SLIST_ENTRY) ? sizeof(SLIST_ENTRY) : Size);
    L->Allocate = Allocate;
    L->Free = Free;
    pthread_mutex_lock(&g_lock);
    InsertTailList(&g_lists, &L->ListEntry);
    pthread_mutex_unlock(&g_lock);
}

WSKSHARP_API PVOID ExAllocateFromNPagedLookasideList(PNPAGED_LOOKASIDE_LIST Lookaside)
{
    PGENERAL_LOOKASIDE L = &Lookaside->L;
    InterlockedIncrement((LONG volatile *)&L->TotalAllocates);
    PVOID entry = InterlockedPopEntrySList(&L->ListHead);
    if (entry != NULL)
        return entry;
    InterlockedIncrement((LONG volatile *)&L->AllocateMisses);
    return L->Allocate != NULL ? L->Allocate(L->Type, L->Size, L->Tag) : DefaultAllocate(L, WSKSHARP_CALLER());
}

static void FreeBlock(PGENERAL_LOOKASIDE L, PVOID Entry, const void *Caller)
{
    if (L->Free != NULL)
        L->Free(Entry);
    else
        WskSharpPoolFreeAt(Entry, L->Tag, TRUE, NULL, 0, Caller);
}

WSKSHARP_API VOID ExFreeToNPagedLookasideList(PNPAGED_LOOKASIDE_LIST Lookaside, PVOID Entry)
{
    PGENERAL_LOOKASIDE L = &Lookaside->L;
    InterlockedIncrement((LONG volatile *)&L->TotalFrees);
    if (ExQueryDepthSList(&L->ListHead) >= L->MaximumDepth) {
        InterlockedIncrement((LONG volatile *)&L->FreeMisses);
        FreeBlock(L, Entry, WSKSHARP_CALLER());
        return;
    }
    InterlockedPushEntrySList(&L->ListHead, (PSLIST_ENTRY)Entry);
}

WSKSHARP_API VOID ExDeleteNPagedLookasideList(PNPAGED_LOOKASIDE_LIST Lookaside)
{
    PGENERAL_LOOKASIDE L = &Lookaside->L;
    pthread_mutex_lock(&g_lock);
    BOOLEAN known = FALSE;
    for (PLIST_ENTRY e = g_lists.Flink; e != &g_lists; e = e->Flink)
        known |= e == &L->ListEntry;
    if (known)
        RemoveEntryList(&L->ListEntry);
    pthread_mutex_unlock(&g_lock);
    if (!known) {
        WskSharpVerifierViolation("LOOKASIDE_NOT_INITIALIZED", NULL, 0, WSKSHARP_CALLER(),
            "ExDeleteNPagedLookasideList(%p): not an initialised list (deleted twice?)", (void *)Lookaside);
        return;
    }
    PSLIST_ENTRY entry = InterlockedFlushSList(&L->ListHead);
    while (entry != NULL) {
        PSLIST_ENTRY next = entry->Next;
        FreeBlock(L, entry, WSKSHARP_CALLER());
        entry = next;
    }
}

ULONG WskSharpLookasideReport(char *Buffer, SIZE_T Size, SIZE_T *Used)
{
    ULONG problems = 0;
    char tag[5];
    pthread_mutex_lock(&g_lock);
    for (PLIST_ENTRY e = g_lists.Flink; e != &g_lists; e = e->Flink) {
        PGENERAL_LOOKASIDE L = CONTAINING_RECORD(e, GENERAL_LOOKASIDE, ListEntry);
        WskSharpTagText(L->Tag, tag);
        WskSharpAppend(Buffer, Size, Used, "LOOKASIDE_NOT_DELETED: lookaside list %p (tag '%s', %u-byte blocks) "
            "never deleted (ExDeleteNPagedLookasideList)\n", (void *)L, tag, (unsigned)L->Size);
        problems++;
    }
    pthread_mutex_unlock(&g_lock);
    return problems;
}
