/* Pool: malloc underneath, every block tracked by tag for the verifier (leaks at unload, double free, free with
 * the wrong tag). Blocks are 16-byte aligned as on x64. The macros pass the call site; the parenthesised
 * names, (ExFreePool)(p), are the plain functions (address-taking works too). */
#ifndef WSKSHARP_NT_POOL_H
#define WSKSHARP_NT_POOL_H

#include "../ntdef.h"
#include "slist.h"

WSKSHARP_BEGIN_DECLS

typedef enum _EX_POOL_PRIORITY {
    LowPoolPriority,
    LowPoolPrioritySpecialPoolOverrun = 8,
    LowPoolPrioritySpecialPoolUnderrun = 9,
    NormalPoolPriority = 16,
    NormalPoolPrioritySpecialPoolOverrun = 24,
    NormalPoolPrioritySpecialPoolUnderrun = 25,
    HighPoolPriority = 32,
    HighPoolPrioritySpecialPoolOverrun = 40,
    HighPoolPrioritySpecialPoolUnderrun = 41
} EX_POOL_PRIORITY;

typedef enum _POOL_EXTENDED_PARAMETER_TYPE {
    PoolExtendedParameterInvalidType = 0,
    PoolExtendedParameterPriority,
    PoolExtendedParameterSecurePool,
    PoolExtendedParameterNumaNode,
    PoolExtendedParameterMax
} POOL_EXTENDED_PARAMETER_TYPE;

/* Accepted and ignored: priority, secure pool and NUMA node change nothing in user mode. */
typedef struct _POOL_EXTENDED_PARAMETER {
    struct {
        ULONG64 Type : 8;
        ULONG64 Optional : 1;
        ULONG64 Reserved : 64 - 9;
    };
    union {
        ULONG64 Reserved2;
        PVOID Reserved3;
        EX_POOL_PRIORITY Priority;
        PVOID SecurePoolParams;
        ULONG PreferredNode;
    };
} POOL_EXTENDED_PARAMETER, *PPOOL_EXTENDED_PARAMETER;
typedef const POOL_EXTENDED_PARAMETER *PCPOOL_EXTENDED_PARAMETER;

WSKSHARP_API PVOID (ExAllocatePool2)(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag);
WSKSHARP_API PVOID (ExAllocatePool3)(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag,
    PCPOOL_EXTENDED_PARAMETER ExtendedParameters, ULONG ExtendedParametersCount);
WSKSHARP_API PVOID (ExAllocatePoolWithTag)(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag);
WSKSHARP_API PVOID (ExAllocatePoolZero)(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag);
WSKSHARP_API PVOID (ExAllocatePoolUninitialized)(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag);
WSKSHARP_API PVOID (ExAllocatePoolWithTagPriority)(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag,
    EX_POOL_PRIORITY Priority);
WSKSHARP_API VOID (ExFreePool)(PVOID P);
WSKSHARP_API VOID (ExFreePoolWithTag)(PVOID P, ULONG Tag);
WSKSHARP_API VOID (ExFreePool2)(PVOID P, ULONG Tag, PCPOOL_EXTENDED_PARAMETER ExtendedParameters,
    ULONG ExtendedParametersCount);

/* The call-site forms: Flags is POOL_FLAGS for ExAllocatePool2/3, a POOL_TYPE for the others. Tag 0 means
 * "no tag given" for the free functions. */
WSKSHARP_API PVOID WskSharpPoolAllocate(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag, const char *File,
    int Line);
WSKSHARP_API PVOID WskSharpPoolAllocateType(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag, BOOLEAN Zero,
    const char *File, int Line);
WSKSHARP_API VOID WskSharpPoolFree(PVOID P, ULONG Tag, BOOLEAN TagGiven, const char *File, int Line);

#define ExAllocatePool2(Flags, Bytes, Tag) WskSharpPoolAllocate((Flags), (Bytes), (Tag), __FILE__, __LINE__)
#define ExAllocatePool3(Flags, Bytes, Tag, Params, Count) \
    ((void)(Params), (void)(Count), WskSharpPoolAllocate((Flags), (Bytes), (Tag), __FILE__, __LINE__))
#define ExAllocatePoolWithTag(Type, Bytes, Tag) \
    WskSharpPoolAllocateType((Type), (Bytes), (Tag), FALSE, __FILE__, __LINE__)
#define ExAllocatePoolUninitialized(Type, Bytes, Tag) \
    WskSharpPoolAllocateType((Type), (Bytes), (Tag), FALSE, __FILE__, __LINE__)
#define ExAllocatePoolZero(Type, Bytes, Tag) \
    WskSharpPoolAllocateType((Type), (Bytes), (Tag), TRUE, __FILE__, __LINE__)
#define ExAllocatePoolWithTagPriority(Type, Bytes, Tag, Priority) \
    ((void)(Priority), WskSharpPoolAllocateType((Type), (Bytes), (Tag), FALSE, __FILE__, __LINE__))
/* The untagged legacy form: Windows tags these "None". */
#define ExAllocatePool(Type, Bytes) \
    WskSharpPoolAllocateType((Type), (Bytes), 'enoN', FALSE, __FILE__, __LINE__)
#define ExFreePool(P) WskSharpPoolFree((P), 0, FALSE, __FILE__, __LINE__)
#define ExFreePoolWithTag(P, Tag) WskSharpPoolFree((P), (Tag), TRUE, __FILE__, __LINE__)
#define ExFreePool2(P, Tag, Params, Count) \
    ((void)(Params), (void)(Count), WskSharpPoolFree((P), (Tag), TRUE, __FILE__, __LINE__))

/* ---- lookaside lists: a cache of fixed-size blocks over the pool (cached blocks still count as pool) ---- */
/* Flags for ExInitializeNPagedLookasideList (accepted; all pool is non-executable memory here). */
#define POOL_RAISE_IF_ALLOCATION_FAILURE 16
#define POOL_COLD_ALLOCATION 256
#define POOL_NX_ALLOCATION 512
typedef PVOID ALLOCATE_FUNCTION(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag);
typedef ALLOCATE_FUNCTION *PALLOCATE_FUNCTION;
typedef VOID FREE_FUNCTION(PVOID Buffer);
typedef FREE_FUNCTION *PFREE_FUNCTION;

typedef struct DECLSPEC_CACHEALIGN _GENERAL_LOOKASIDE {
    SLIST_HEADER ListHead;
    USHORT Depth;
    USHORT MaximumDepth;
    ULONG TotalAllocates;
    ULONG AllocateMisses;
    ULONG TotalFrees;
    ULONG FreeMisses;
    POOL_TYPE Type;
    ULONG Tag;
    ULONG Size;
    PALLOCATE_FUNCTION Allocate;
    PFREE_FUNCTION Free;
    LIST_ENTRY ListEntry;
    ULONG LastTotalAllocates;
    ULONG LastAllocateMisses;
    ULONG Future[2];
} GENERAL_LOOKASIDE, *PGENERAL_LOOKASIDE;

typedef struct _NPAGED_LOOKASIDE_LIST {
    GENERAL_LOOKASIDE L;
} NPAGED_LOOKASIDE_LIST, *PNPAGED_LOOKASIDE_LIST;

C_ASSERT(sizeof(NPAGED_LOOKASIDE_LIST) == 128);
C_ASSERT(__alignof__(NPAGED_LOOKASIDE_LIST) == 64);

WSKSHARP_API VOID ExInitializeNPagedLookasideList(PNPAGED_LOOKASIDE_LIST Lookaside, PALLOCATE_FUNCTION Allocate,
    PFREE_FUNCTION Free, ULONG Flags, SIZE_T Size, ULONG Tag, USHORT Depth);
WSKSHARP_API VOID ExDeleteNPagedLookasideList(PNPAGED_LOOKASIDE_LIST Lookaside);
WSKSHARP_API PVOID ExAllocateFromNPagedLookasideList(PNPAGED_LOOKASIDE_LIST Lookaside);
WSKSHARP_API VOID ExFreeToNPagedLookasideList(PNPAGED_LOOKASIDE_LIST Lookaside, PVOID Entry);

WSKSHARP_END_DECLS

#endif /* WSKSHARP_NT_POOL_H */
