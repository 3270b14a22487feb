/* What the WSK path still holds, for the verifier's report (the runtime calls this source when the driver host, or a
 * program, asks for the report): IRPs from IoAllocateIrp and MDLs from IoAllocateMdl not freed, sockets not closed and
 * registrations not deregistered, indication lists a receive event kept and WskRelease never gave back (those three
 * counted by the managed bridge). */
#include <pthread.h>
#include <stdio.h>
#include <wdm.h>
#include "pairing.h"

static volatile LONG g_irps;
static volatile LONG g_mdls;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void Append(char *Buffer, SIZE_T Size, SIZE_T *Used, const char *Rule, LONG Count, const char *What)
{
    if (*Used < Size) {
        int n = snprintf(Buffer + *Used, Size - *Used, "%s at unload: %ld %s\n", Rule, (long)Count, What);
        *Used += n < 0 ? 0 : (SIZE_T)n;
        if (*Used >= Size) {
            *Used = Size - 1;
        }
    }
}

static ULONG HeldReport(char *Buffer, SIZE_T Size)
{
    LONG sockets = 0, registrations = 0, indications = 0;
    WskSharpNativeHeld(&sockets, &registrations, &indications);
    LONG irps = g_irps, mdls = g_mdls;
    SIZE_T used = 0;
    if (Size > 0) {
        Buffer[0] = 0;
    }
    ULONG problems = 0;
    if (irps > 0) {
        Append(Buffer, Size, &used, "IRP_LEAK", irps, "IRP(s) from IoAllocateIrp not freed (IoFreeIrp)");
        problems++;
    }
    if (mdls > 0) {
        Append(Buffer, Size, &used, "MDL_LEAK", mdls, "MDL(s) from IoAllocateMdl not freed (IoFreeMdl)");
        problems++;
    }
    if (sockets > 0) {
        Append(Buffer, Size, &used, "SOCKET_LEAK", sockets, "WSK socket(s) not closed (WskCloseSocket)");
        problems++;
    }
    if (indications > 0) {
        Append(Buffer, Size, &used, "INDICATION_LEAK", indications,
            "indication list(s) kept by a receive event (STATUS_PENDING) and not given back (WskRelease)");
        problems++;
    }
    if (registrations > 0) {
        Append(Buffer, Size, &used, "REGISTRATION_LEAK", registrations, "WSK registration(s) not deregistered (WskDeregister)");
        problems++;
    }
    return problems;
}

static void AddSource(void)
{
    WskSharpVerifierAddSource(HeldReport);
}

VOID WskSharpHeldRegister(void)
{
    pthread_once(&g_once, AddSource);
}

VOID WskSharpHeldIrps(LONG Delta)
{
    WskSharpHeldRegister();
    InterlockedExchangeAdd(&g_irps, Delta);
}

VOID WskSharpHeldMdls(LONG Delta)
{
    WskSharpHeldRegister();
    InterlockedExchangeAdd(&g_mdls, Delta);
}
