/* Pool: every block carries a header (tag, size, allocation site) and sits on one list, so the verifier can
 * report what is still held by tag and catch a double free or a free with the wrong tag. Freed blocks wait in
 * a quarantine before going back to malloc, so a second free of the same block is recognised and a use after
 * free reads the 0xDD fill instead of someone else's data. */
#include "internal.h"

#include <string.h>

#define POOL_ALIGNMENT 64 /* covers POOL_FLAG_CACHE_ALIGNED; x64 pool is 16-aligned at least */
#define HEADER_SIZE 128  /* a multiple of POOL_ALIGNMENT that holds POOL_BLOCK */
#define MAGIC_LIVE 0x4c6f6f50u  /* "PooL" */
#define MAGIC_FREED 0x65657246u /* "Free" */
#define QUARANTINE 1024
#define QUARANTINE_BYTES (16u << 20) /* and at most this much memory held back */
#define PROTECTED_POOL 0x80000000u
#define UNINITIALIZED_FILL 0xA5 /* what ExAllocatePoolUninitialized leaves: not zero, so reliance on zero shows */
#define FREED_FILL 0xDD

typedef struct POOL_BLOCK {
    LIST_ENTRY Link;
    ULONG Magic;
    ULONG Tag;
    SIZE_T Size;
    const char *File;
    const void *Caller;
    const char *FreedFile;
    const void *FreedCaller;
    int Line;
    int FreedLine;
} POOL_BLOCK;
C_ASSERT(sizeof(POOL_BLOCK) <= HEADER_SIZE && HEADER_SIZE % POOL_ALIGNMENT == 0);

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static LIST_ENTRY g_live = { &g_live, &g_live };
static POOL_BLOCK *g_quarantine[QUARANTINE]; /* a FIFO: oldest at g_quarantineFirst */
static ULONG g_quarantineFirst, g_quarantineCount;
static SIZE_T g_quarantineBytes;

static POOL_BLOCK *BlockOf(PVOID P)
{
    return (POOL_BLOCK *)((PUCHAR)P - HEADER_SIZE);
}

static PVOID Allocate(SIZE_T Bytes, ULONG Tag, BOOLEAN Zero, const char *File, int Line, const void *Caller)
{
    if (Bytes > (SIZE_T)-1 - 2 * HEADER_SIZE)
        return NULL;
    void *raw = NULL;
    if (posix_memalign(&raw, POOL_ALIGNMENT, HEADER_SIZE + Bytes) != 0)
        return NULL;
    POOL_BLOCK *block = raw;
    memset(block, 0, sizeof *block);
    block->Magic = MAGIC_LIVE;
    block->Tag = Tag;
    block->Size = Bytes;
    block->File = File;
    block->Line = Line;
    block->Caller = Caller;
    PVOID p = (PUCHAR)raw + HEADER_SIZE;
    memset(p, Zero ? 0 : UNINITIALIZED_FILL, Bytes);
    pthread_mutex_lock(&g_lock);
    InsertTailList(&g_live, &block->Link);
    pthread_mutex_unlock(&g_lock);
    return p;
}

PVOID WskSharpPoolAllocateAt(SIZE_T Bytes, ULONG Tag, BOOLEAN Zero, const char *File, int Line, const void *Caller)
{
    return Allocate(Bytes, Tag, Zero, File, Line, Caller);
}

static BOOLEAN IsPaged(POOL_TYPE Type)
{
    return (Type & 1) != 0 && Type != NonPagedPoolNx; /* the odd base types are the paged ones */
}

static PVOID AllocateFlags(POOL_FLAGS Flags, SIZE_T Bytes, ULONG Tag, const char *File, int Line,
    const void *Caller)
{
    POOL_FLAGS kind = Flags & (POOL_FLAG_NON_PAGED | POOL_FLAG_NON_PAGED_EXECUTE | POOL_FLAG_PAGED);
    POOL_FLAGS known = POOL_FLAG_USE_QUOTA | POOL_FLAG_UNINITIALIZED | POOL_FLAG_SESSION | POOL_FLAG_CACHE_ALIGNED
        | POOL_FLAG_RAISE_ON_FAILURE | POOL_FLAG_NON_PAGED | POOL_FLAG_NON_PAGED_EXECUTE | POOL_FLAG_PAGED;
    /* ExAllocatePool2 refuses a request without exactly one pool kind, or with unknown required flags. */
    if ((kind & (kind - 1)) != 0 || kind == 0 || (Flags & ~known & 0xffffffffULL) != 0) {
        WskSharpVerifierViolation("POOL_BAD_FLAGS", File, Line, Caller,
            "ExAllocatePool2 flags 0x%llx: exactly one of POOL_FLAG_NON_PAGED, _NON_PAGED_EXECUTE, _PAGED needed",
            (unsigned long long)Flags);
        return NULL;
    }
    if (Tag == 0)
        WskSharpVerifierViolation("POOL_ZERO_TAG", File, Line, Caller, "pool allocation with tag 0");
    if (kind == POOL_FLAG_PAGED && KeGetCurrentIrql() >= DISPATCH_LEVEL)
        WskSharpVerifierViolation("PAGED_POOL_AT_DISPATCH_LEVEL", File, Line, Caller,
            "paged pool allocated at IRQL %u", KeGetCurrentIrql());
    return Allocate(Bytes, Tag, (Flags & POOL_FLAG_UNINITIALIZED) == 0, File, Line, Caller);
}

static PVOID AllocateType(POOL_TYPE Type, SIZE_T Bytes, ULONG Tag, BOOLEAN Zero, const char *File, int Line,
    const void *Caller)
{
    if (IsPaged(Type) && KeGetCurrentIrql() >= DISPATCH_LEVEL)
        WskSharpVerifierViolation("PAGED_POOL_AT_DISPATCH_LEVEL", File, Line, Caller,
            "paged pool allocated at IRQL %u", KeGetCurrentIrql());
    return Allocate(Bytes, Tag, Zero, File, Line, Caller);
}

static void Free(PVOID P, ULONG Tag, BOOLEAN TagGiven, const char *File, int Line, const void *Caller)
{
    char tagText[5], givenText[5], site[200];
    if (P == NULL) {
        WskSharpVerifierViolation("POOL_FREE_NULL", File, Line, Caller, "ExFreePool(NULL)");
        return;
    }
    if (((ULONG_PTR)P & (POOL_ALIGNMENT - 1)) != 0) {
        WskSharpVerifierViolation("POOL_BAD_FREE", File, Line, Caller, "%p was not returned by a pool allocation", P);
        return;
    }
    POOL_BLOCK *block = BlockOf(P);
    pthread_mutex_lock(&g_lock);
    if (block->Magic == MAGIC_FREED) {
        const char *freedFile = block->FreedFile;
        int freedLine = block->FreedLine;
        const void *freedCaller = block->FreedCaller;
        WskSharpTagText(block->Tag, tagText);
        pthread_mutex_unlock(&g_lock);
        WskSharpDescribeSite(site, sizeof site, freedFile, freedLine, freedCaller);
        WskSharpVerifierViolation("POOL_DOUBLE_FREE", File, Line, Caller,
            "block %p (tag '%s') freed again; first freed at %s", P, tagText, site);
        return;
    }
    if (block->Magic != MAGIC_LIVE) {
        pthread_mutex_unlock(&g_lock);
        WskSharpVerifierViolation("POOL_BAD_FREE", File, Line, Caller,
            "%p was not returned by a pool allocation (or its header was overwritten)", P);
        return;
    }
    if (TagGiven && (Tag & ~PROTECTED_POOL) != (block->Tag & ~PROTECTED_POOL)) {
        WskSharpTagText(block->Tag, tagText);
        WskSharpTagText(Tag, givenText);
        WskSharpDescribeSite(site, sizeof site, block->File, block->Line, block->Caller);
        pthread_mutex_unlock(&g_lock);
        /* Windows bug-checks (BAD_POOL_CALLER); the block is still freed here so it is not also a leak. */
        WskSharpVerifierViolation("POOL_WRONG_TAG", File, Line, Caller,
            "block %p allocated with tag '%s' at %s, freed with tag '%s'", P, tagText, site, givenText);
        pthread_mutex_lock(&g_lock);
        if (block->Magic != MAGIC_LIVE) { /* freed meanwhile by another thread */
            pthread_mutex_unlock(&g_lock);
            return;
        }
    }
    RemoveEntryList(&block->Link);
    block->Magic = MAGIC_FREED;
    block->FreedFile = File;
    block->FreedLine = Line;
    block->FreedCaller = Caller;
    memset(P, FREED_FILL, block->Size);
    /* Evicted blocks go back to malloc after the lock is dropped; a handful at most per free. */
    POOL_BLOCK *evicted[9];
    ULONG nEvicted = 0;
    BOOLEAN fits = block->Size <= QUARANTINE_BYTES;
    while (g_quarantineCount > 0 && nEvicted < 8
        && (g_quarantineCount == QUARANTINE || (fits && g_quarantineBytes + block->Size > QUARANTINE_BYTES))) {
        POOL_BLOCK *old = g_quarantine[g_quarantineFirst];
        g_quarantineFirst = (g_quarantineFirst + 1) % QUARANTINE;
        g_quarantineCount--;
        g_quarantineBytes -= old->Size;
        old->Magic = 0;
        evicted[nEvicted++] = old;
    }
    if (g_quarantineCount < QUARANTINE && g_quarantineBytes + block->Size <= QUARANTINE_BYTES) {
        g_quarantine[(g_quarantineFirst + g_quarantineCount) % QUARANTINE] = block;
        g_quarantineCount++;
        g_quarantineBytes += block->Size;
    } else {
        block->Magic = 0; /* no room to hold it back: a double free of it is not recognised */
        evicted[nEvicted++] = block;
    }
    pthread_mutex_unlock(&g_lock);
    for (ULONG i = 0; i < nEvicted; i++)
        free(evicted[i]);
}

VOID WskSharpPoolFreeAt(PVOID P, ULONG Tag, BOOLEAN TagGiven, const char *File, int Line, const void *Caller)
{
    Free(P, Tag, TagGiven, File, Line, Caller);
}

/* ---- the exported names: macros pass __FILE__/__LINE__; the plain functions pass the return address ---- */
WSKSHARP_API PVOID WskSharpPoolAllocate(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag, const char *File,
    int Line)
{
    return AllocateFlags(Flags, NumberOfBytes, Tag, File, Line, WSKSHARP_CALLER());
}

WSKSHARP_API PVOID WskSharpPoolAllocateType(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag, BOOLEAN Zero,
    const char *File, int Line)
{
    return AllocateType(PoolType, NumberOfBytes, Tag, Zero, File, Line, WSKSHARP_CALLER());
}

WSKSHARP_API VOID WskSharpPoolFree(PVOID P, ULONG Tag, BOOLEAN TagGiven, const char *File, int Line)
{
    Free(P, Tag, TagGiven, File, Line, WSKSHARP_CALLER());
}

WSKSHARP_API PVOID (ExAllocatePool2)(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag)
{
    return AllocateFlags(Flags, NumberOfBytes, Tag, NULL, 0, WSKSHARP_CALLER());
}

WSKSHARP_API PVOID (ExAllocatePool3)(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag,
    PCPOOL_EXTENDED_PARAMETER ExtendedParameters, ULONG ExtendedParametersCount)
{
    (void)ExtendedParameters, (void)ExtendedParametersCount;
    return AllocateFlags(Flags, NumberOfBytes, Tag, NULL, 0, WSKSHARP_CALLER());
}

WSKSHARP_API PVOID (ExAllocatePoolWithTag)(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag)
{
    return AllocateType(PoolType, NumberOfBytes, Tag, FALSE, NULL, 0, WSKSHARP_CALLER());
}

WSKSHARP_API PVOID (ExAllocatePoolZero)(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag)
{
    return AllocateType(PoolType, NumberOfBytes, Tag, TRUE, NULL, 0, WSKSHARP_CALLER());
}

WSKSHARP_API PVOID (ExAllocatePoolUninitialized)(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag)
{
    return AllocateType(PoolType, NumberOfBytes, Tag, FALSE, NULL, 0, WSKSHARP_CALLER());
}

WSKSHARP_API PVOID (ExAllocatePoolWithTagPriority)(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag,
    EX_POOL_PRIORITY Priority)
{
    (void)Priority;
    return AllocateType(PoolType, NumberOfBytes, Tag, FALSE, NULL, 0, WSKSHARP_CALLER());
}

WSKSHARP_API VOID (ExFreePool)(PVOID P)
{
    Free(P, 0, FALSE, NULL, 0, WSKSHARP_CALLER());
}

WSKSHARP_API VOID (ExFreePoolWithTag)(PVOID P, ULONG Tag)
{
    Free(P, Tag, TRUE, NULL, 0, WSKSHARP_CALLER());
}

WSKSHARP_API VOID (ExFreePool2)(PVOID P, ULONG Tag, PCPOOL_EXTENDED_PARAMETER ExtendedParameters,
    ULONG ExtendedParametersCount)
{
    (void)ExtendedParameters, (void)ExtendedParametersCount;
    Free(P, Tag, TRUE, NULL, 0, WSKSHARP_CALLER());
}

/* ---- what is still held ---- */
WSKSHARP_API ULONG WskSharpPoolOutstanding(ULONG Tag, SIZE_T *Bytes)
{
    ULONG blocks = 0;
    SIZE_T bytes = 0;
    pthread_mutex_lock(&g_lock);
    for (PLIST_ENTRY e = g_live.Flink; e != &g_live; e = e->Flink) {
        POOL_BLOCK *block = CONTAINING_RECORD(e, POOL_BLOCK, Link);
        if (Tag == 0 || block->Tag == Tag) {
            blocks++;
            bytes += block->Size;
        }
    }
    pthread_mutex_unlock(&g_lock);
    if (Bytes != NULL)
        *Bytes = bytes;
    return blocks;
}

/* One line per (tag, allocation site): a loop that leaks a thousand blocks is one problem, not a thousand. */
ULONG WskSharpPoolReport(char *Buffer, SIZE_T Size, SIZE_T *Used)
{
    enum { MAX_GROUPS = 64 };
    struct { ULONG Tag; const char *File; int Line; const void *Caller; ULONG Blocks; SIZE_T Bytes; } groups[MAX_GROUPS];
    ULONG count = 0, ungrouped = 0;
    pthread_mutex_lock(&g_lock);
    for (PLIST_ENTRY e = g_live.Flink; e != &g_live; e = e->Flink) {
        POOL_BLOCK *b = CONTAINING_RECORD(e, POOL_BLOCK, Link);
        ULONG i = 0;
        while (i < count && !(groups[i].Tag == b->Tag && groups[i].File == b->File && groups[i].Line == b->Line
                   && (b->File != NULL || groups[i].Caller == b->Caller)))
            i++;
        if (i == count) {
            if (count == MAX_GROUPS) {
                ungrouped++;
                continue;
            }
            groups[i].Tag = b->Tag;
            groups[i].File = b->File;
            groups[i].Line = b->Line;
            groups[i].Caller = b->Caller;
            groups[i].Blocks = 0;
            groups[i].Bytes = 0;
            count++;
        }
        groups[i].Blocks++;
        groups[i].Bytes += b->Size;
    }
    pthread_mutex_unlock(&g_lock);
    char tag[5], site[200];
    for (ULONG i = 0; i < count; i++) {
        WskSharpTagText(groups[i].Tag, tag);
        WskSharpDescribeSite(site, sizeof site, groups[i].File, groups[i].Line, groups[i].Caller);
        WskSharpAppend(Buffer, Size, Used, "POOL_LEAK at %s: tag '%s', %u block(s), %zu bytes still allocated\n",
            site, tag, (unsigned)groups[i].Blocks, groups[i].Bytes);
    }
    if (ungrouped)
        WskSharpAppend(Buffer, Size, Used, "POOL_LEAK: %u more block(s) from other sites\n", (unsigned)ungrouped);
    return count + (ungrouped ? 1 : 0);
}
