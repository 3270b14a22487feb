/* Debug output and assertions. DbgPrint formats follow Microsoft's rules, not glibc's: 'l' is 32-bit; I64 and
 * I (pointer-sized) size prefixes; %ws/%ls (and %S in a narrow format) are UTF-16 strings; %wZ a
 * PUNICODE_STRING; %Z a PANSI_STRING; %p prints 16 upper-case hex digits. Output goes to stderr, each line
 * prefixed "DbgPrint: " so a test can pick it out (WSKSHARP_DBGPRINT=0 silences it). */
#ifndef WSKSHARP_NT_DEBUG_H
#define WSKSHARP_NT_DEBUG_H

#include "../ntdef.h"

#include <stdarg.h>

WSKSHARP_BEGIN_DECLS

#define DPFLTR_ERROR_LEVEL 0
#define DPFLTR_WARNING_LEVEL 1
#define DPFLTR_TRACE_LEVEL 2
#define DPFLTR_INFO_LEVEL 3
#define DPFLTR_MASK 0x80000000

#define DPFLTR_SYSTEM_ID 0
#define DPFLTR_TCPIP_ID 30
#define DPFLTR_IHVDRIVER_ID 77
#define DPFLTR_IHVVIDEO_ID 78
#define DPFLTR_IHVAUDIO_ID 79
#define DPFLTR_IHVNETWORK_ID 80
#define DPFLTR_IHVSTREAMING_ID 81
#define DPFLTR_IHVBUS_ID 82
#define DPFLTR_DEFAULT_ID 101

/* The WDK's DPFLTR_TYPE values (dpfilter.h, checked against public copies of it, 2026-12-03): a driver's component id and
 * level reach DbgPrintEx as these numbers, so they are pinned. */
C_ASSERT(DPFLTR_SYSTEM_ID == 0 && DPFLTR_TCPIP_ID == 30);
C_ASSERT(DPFLTR_IHVDRIVER_ID == 77 && DPFLTR_IHVVIDEO_ID == 78 && DPFLTR_IHVAUDIO_ID == 79);
C_ASSERT(DPFLTR_IHVNETWORK_ID == 80 && DPFLTR_IHVSTREAMING_ID == 81 && DPFLTR_IHVBUS_ID == 82);
C_ASSERT(DPFLTR_DEFAULT_ID == 101);
C_ASSERT(DPFLTR_ERROR_LEVEL == 0 && DPFLTR_WARNING_LEVEL == 1 && DPFLTR_TRACE_LEVEL == 2 && DPFLTR_INFO_LEVEL == 3);
C_ASSERT(DPFLTR_MASK == 0x80000000);

WSKSHARP_API ULONG DbgPrint(PCSTR Format, ...);
WSKSHARP_API ULONG DbgPrintEx(ULONG ComponentId, ULONG Level, PCSTR Format, ...);
WSKSHARP_API ULONG vDbgPrintEx(ULONG ComponentId, ULONG Level, PCSTR Format, va_list arglist);
WSKSHARP_API VOID DbgBreakPoint(void);
WSKSHARP_API VOID WskSharpAssertFailed(const char *Expression, const char *Message, const char *File, int Line);

#if DBG
#define KdPrint(args) DbgPrint args
#define KdPrintEx(args) DbgPrintEx args
#define KdBreakPoint() DbgBreakPoint()
#define ASSERT(exp) ((exp) ? (void)0 : WskSharpAssertFailed(#exp, NULL, __FILE__, __LINE__))
#define ASSERTMSG(msg, exp) ((exp) ? (void)0 : WskSharpAssertFailed(#exp, (msg), __FILE__, __LINE__))
#else
#define KdPrint(args) ((void)0)
#define KdPrintEx(args) ((void)0)
#define KdBreakPoint() ((void)0)
#define ASSERT(exp) ((void)0)
#define ASSERTMSG(msg, exp) ((void)0)
#endif
/* NT_ASSERT is checked in every build, as in the WDK (it raises an assertion failure on Windows). */
#define NT_ASSERT(exp) ((exp) ? (void)0 : WskSharpAssertFailed(#exp, NULL, __FILE__, __LINE__))
#define NT_ASSERTMSG(msg, exp) ((exp) ? (void)0 : WskSharpAssertFailed(#exp, (msg), __FILE__, __LINE__))
#define NT_VERIFY(exp) NT_ASSERT(exp)
#define NT_ASSERT_ASSUME(exp) NT_ASSERT(exp)
/* PAGED_CODE: code in a pageable section must not run at DISPATCH_LEVEL; the verifier records it if it does. */
WSKSHARP_API VOID WskSharpPagedCodeCheck(const char *File, int Line);
#define PAGED_CODE() WskSharpPagedCodeCheck(__FILE__, __LINE__)
#define PAGED_CODE_LOCKED() ((void)0)

WSKSHARP_END_DECLS

#endif /* WSKSHARP_NT_DEBUG_H */
