/* A per-thread IRQL. Raising and lowering follow Windows' rules, and the verifier records a raise to a lower
 * level or a lower to a higher one (IRQL_NOT_GREATER_OR_EQUAL / IRQL_NOT_LESS_OR_EQUAL on Windows). */
#include "internal.h"

static _Thread_local KIRQL t_irql = PASSIVE_LEVEL;

WSKSHARP_API KIRQL KeGetCurrentIrql(void)
{
    return t_irql;
}

WSKSHARP_API KIRQL KfRaiseIrql(KIRQL NewIrql)
{
    KIRQL old = t_irql;
    if (NewIrql < old)
        WskSharpVerifierViolation("IRQL_RAISE_TO_LOWER", NULL, 0, WSKSHARP_CALLER(),
            "KeRaiseIrql to %u while at %u", NewIrql, old);
    t_irql = NewIrql;
    return old;
}

WSKSHARP_API VOID KeRaiseIrql(KIRQL NewIrql, PKIRQL OldIrql)
{
    KIRQL old = t_irql;
    if (NewIrql < old)
        WskSharpVerifierViolation("IRQL_RAISE_TO_LOWER", NULL, 0, WSKSHARP_CALLER(),
            "KeRaiseIrql to %u while at %u", NewIrql, old);
    t_irql = NewIrql;
    *OldIrql = old;
}

WSKSHARP_API KIRQL KeRaiseIrqlToDpcLevel(void)
{
    KIRQL old = t_irql;
    if (old > DISPATCH_LEVEL)
        WskSharpVerifierViolation("IRQL_RAISE_TO_LOWER", NULL, 0, WSKSHARP_CALLER(),
            "KeRaiseIrqlToDpcLevel while at %u", old);
    t_irql = DISPATCH_LEVEL;
    return old;
}

WSKSHARP_API VOID KeLowerIrql(KIRQL NewIrql)
{
    if (NewIrql > t_irql)
        WskSharpVerifierViolation("IRQL_LOWER_TO_HIGHER", NULL, 0, WSKSHARP_CALLER(),
            "KeLowerIrql to %u while at %u", NewIrql, t_irql);
    t_irql = NewIrql;
}

WSKSHARP_API KIRQL WskSharpEnterDispatch(void)
{
    KIRQL old = t_irql;
    t_irql = DISPATCH_LEVEL;
    return old;
}

/* A callback must return at the level it was called at: anything else is a spin lock still held or a
 * KeLowerIrql too many. */
WSKSHARP_API VOID WskSharpLeaveDispatch(KIRQL OldIrql)
{
    if (t_irql != DISPATCH_LEVEL)
        WskSharpVerifierViolation("IRQL_NOT_RESTORED", NULL, 0, WSKSHARP_CALLER(),
            "a routine called at DISPATCH_LEVEL returned at IRQL %u", t_irql);
    t_irql = OldIrql;
}
