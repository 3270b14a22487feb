/* Rtl memory helpers: the C library underneath, as the WDK's macros are. */
#ifndef WSKSHARP_NT_MEMORY_H
#define WSKSHARP_NT_MEMORY_H

#include "../ntdef.h"

WSKSHARP_BEGIN_DECLS

#define RtlZeroMemory(Destination, Length) memset((Destination), 0, (Length))
#define RtlFillMemory(Destination, Length, Fill) memset((Destination), (Fill), (Length))
#define RtlCopyMemory(Destination, Source, Length) memcpy((Destination), (Source), (Length))
#define RtlMoveMemory(Destination, Source, Length) memmove((Destination), (Source), (Length))
#define RtlEqualMemory(Destination, Source, Length) (!memcmp((Destination), (Source), (Length)))
#define RtlCopyBytes RtlCopyMemory
#define RtlZeroBytes RtlZeroMemory
#define RtlFillBytes RtlFillMemory

/* Returns how many leading bytes are equal. */
WSKSHARP_API SIZE_T RtlCompareMemory(const VOID *Source1, const VOID *Source2, SIZE_T Length);

/* Not optimised away even when the memory is dead afterwards (secrets). */
WSKSHARP_INLINE PVOID RtlSecureZeroMemory(PVOID Pointer, SIZE_T Size)
{
    volatile UCHAR *p = (volatile UCHAR *)Pointer;
    while (Size--)
        *p++ = 0;
    return Pointer;
}

WSKSHARP_END_DECLS

#endif /* WSKSHARP_NT_MEMORY_H */
