/* IRQL: a per-thread level. Nothing is masked in user mode; the level exists so that code which asks for it
 * gets Windows' answer, and so the verifier can flag what Windows forbids at DISPATCH_LEVEL (a blocking wait). */
#ifndef WSKSHARP_NT_IRQL_H
#define WSKSHARP_NT_IRQL_H

#include "../ntdef.h"

WSKSHARP_BEGIN_DECLS

WSKSHARP_API KIRQL KeGetCurrentIrql(void);
WSKSHARP_API VOID KeRaiseIrql(KIRQL NewIrql, PKIRQL OldIrql);
WSKSHARP_API VOID KeLowerIrql(KIRQL NewIrql);
WSKSHARP_API KIRQL KfRaiseIrql(KIRQL NewIrql);
WSKSHARP_API KIRQL KeRaiseIrqlToDpcLevel(void);
#define KfLowerIrql KeLowerIrql

/* For the WSK path: run a completion routine or an event callback "at DISPATCH_LEVEL", as Windows does.
 * Enter returns the previous level; Leave restores it. */
WSKSHARP_API KIRQL WskSharpEnterDispatch(void);
WSKSHARP_API VOID WskSharpLeaveDispatch(KIRQL OldIrql);

WSKSHARP_END_DECLS

#endif /* WSKSHARP_NT_IRQL_H */
