/* The verifier: what Driver Verifier would catch, recorded with the call site instead of a bug check.
 * Violations (double free, free with the wrong tag, a blocking wait at DISPATCH_LEVEL, ...) are recorded when
 * they happen; what is still held (pool by tag, system threads, set timers, lookaside lists, devices, queued
 * work items) is reported when the report is asked for: at unload for the driver host, at exit for a program. */
#ifndef WSKSHARP_NT_VERIFIER_H
#define WSKSHARP_NT_VERIFIER_H

#include "../ntdef.h"

#include <stdarg.h>

WSKSHARP_BEGIN_DECLS

/* Writes one line per problem into Buffer (always terminated when Size > 0; cut short if too small) and
 * returns the number of problems: recorded violations plus everything still held. 0 means clean. */
WSKSHARP_API ULONG WskSharpVerifierReport(char *Buffer, SIZE_T Size);

/* Records a violation of Rule (a short upper-case name, e.g. "IRP_FREED_PENDING"). File/Line or Caller (a
 * return address, symbolised in the report) name the call site; either may be NULL/0. */
WSKSHARP_API VOID WskSharpVerifierViolation(const char *Rule, const char *File, int Line, const void *Caller,
    const char *Format, ...) __attribute__((format(printf, 5, 6)));

/* Other layers (IRPs, MDLs, sockets, registrations) add what they still hold: the source writes its lines
 * (same format) and returns how many problems it found. Called under no lock of the runtime's. */
typedef ULONG WSKSHARP_VERIFIER_SOURCE(char *Buffer, SIZE_T Size);
WSKSHARP_API VOID WskSharpVerifierAddSource(WSKSHARP_VERIFIER_SOURCE *Source);

/* Number of recorded violations of Rule (all rules when NULL): for tests. */
WSKSHARP_API ULONG WskSharpVerifierViolationCount(const char *Rule);
/* Forgets recorded violations (not what is still held): for tests that provoke one on purpose. */
WSKSHARP_API VOID WskSharpVerifierClearViolations(void);
/* Pool still held under Tag (all tags when 0): blocks and bytes. */
WSKSHARP_API ULONG WskSharpPoolOutstanding(ULONG Tag, SIZE_T *Bytes);
/* Bytes the WSK layer's managed runtime (inside libwsksharp.so) has allocated since it started, every thread's: for
 * tests and benchmarks that check a path allocates nothing managed. Not in a program built without the library. */
WSKSHARP_API LONGLONG WskSharpManagedAllocatedBytes(void);

WSKSHARP_END_DECLS

#endif /* WSKSHARP_NT_VERIFIER_H */
