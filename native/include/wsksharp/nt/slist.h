/* Interlocked singly linked lists (SLIST). Entries are 16-byte aligned as on x64. The header's second word
 * carries a lock bit and the depth: a portable build has no 16-byte compare-exchange without -mcx16. */
#ifndef WSKSHARP_NT_SLIST_H
#define WSKSHARP_NT_SLIST_H

#include "../ntdef.h"

WSKSHARP_BEGIN_DECLS

typedef struct DECLSPEC_ALIGN(16) _SLIST_ENTRY {
    struct _SLIST_ENTRY *Next;
} SLIST_ENTRY, *PSLIST_ENTRY;

typedef union DECLSPEC_ALIGN(16) _SLIST_HEADER {
    struct {
        ULONGLONG Alignment;
        ULONGLONG Region;
    };
    struct {
        PSLIST_ENTRY First;     /* the top entry */
        volatile ULONGLONG Control; /* bit 0: lock; bits 16..31: depth */
    } WskSharp;
} SLIST_HEADER, *PSLIST_HEADER;

C_ASSERT(sizeof(SLIST_HEADER) == 16);
C_ASSERT(__alignof__(SLIST_HEADER) == 16);
C_ASSERT(sizeof(SLIST_ENTRY) == 16);

WSKSHARP_API VOID InitializeSListHead(PSLIST_HEADER SListHead);
WSKSHARP_API PSLIST_ENTRY InterlockedPushEntrySList(PSLIST_HEADER ListHead, PSLIST_ENTRY ListEntry);
WSKSHARP_API PSLIST_ENTRY InterlockedPopEntrySList(PSLIST_HEADER ListHead);
WSKSHARP_API PSLIST_ENTRY InterlockedFlushSList(PSLIST_HEADER ListHead);
WSKSHARP_API USHORT ExQueryDepthSList(PSLIST_HEADER SListHead);
WSKSHARP_API PSLIST_ENTRY FirstEntrySList(PSLIST_HEADER SListHead);
#define QueryDepthSList(Head) ExQueryDepthSList(Head)
#define ExInterlockedPushEntrySList(Head, Entry, Lock) ((void)(Lock), InterlockedPushEntrySList(Head, Entry))
#define ExInterlockedPopEntrySList(Head, Lock) ((void)(Lock), InterlockedPopEntrySList(Head))
#define ExInterlockedFlushSList(Head) InterlockedFlushSList(Head)

WSKSHARP_END_DECLS

#endif /* WSKSHARP_NT_SLIST_H */
