/* Structured exception handling, as far as user mode over Linux can go: the guarded block always runs, the
 * handler never does (nothing here raises: MmProbeAndLockPages on process memory succeeds), and a __finally
 * block runs after the guarded block on the normal path. __leave and a return from inside __try skip the
 * __finally block; rewrite those with a goto if the cleanup matters. */
#ifndef WSKSHARP_NT_SEH_H
#define WSKSHARP_NT_SEH_H

#include "../ntdef.h"
#include "ntstatus.h"

/* libstdc++ has its own __try (as try): in C++, include standard library headers before <ntddk.h>; they are
 * already expanded by then, and the driver's __try below is this one. */
#undef __try
#undef __except
#undef __finally
#define __try if (1)
#define __except(filter) else if (0)
#define __finally
#define GetExceptionCode() ((NTSTATUS)STATUS_SUCCESS)
#define GetExceptionInformation() ((PVOID)NULL)
#define AbnormalTermination() FALSE
#define EXCEPTION_EXECUTE_HANDLER 1
#define EXCEPTION_CONTINUE_SEARCH 0
#define EXCEPTION_CONTINUE_EXECUTION (-1)

#endif /* WSKSHARP_NT_SEH_H */
