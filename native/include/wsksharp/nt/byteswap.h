/* Byte swaps (network order conversions in WSK code). */
#ifndef WSKSHARP_NT_BYTESWAP_H
#define WSKSHARP_NT_BYTESWAP_H

#include "../ntdef.h"

WSKSHARP_INLINE USHORT RtlUshortByteSwap(USHORT Source) { return __builtin_bswap16(Source); }
WSKSHARP_INLINE ULONG RtlUlongByteSwap(ULONG Source) { return __builtin_bswap32(Source); }
WSKSHARP_INLINE ULONGLONG RtlUlonglongByteSwap(ULONGLONG Source) { return __builtin_bswap64(Source); }
#define _byteswap_ushort RtlUshortByteSwap
#define _byteswap_ulong RtlUlongByteSwap
#define _byteswap_uint64 RtlUlonglongByteSwap

#endif /* WSKSHARP_NT_BYTESWAP_H */
