/* What the shim shares with the managed bridge (native/WskSharp.Native/NativeIrp.cs keeps the same values): the pairing
 * block IoAllocateIrp puts before an IRP, and the bridge's entry points the shim calls. */
#ifndef WSKSHARP_SHIM_PAIRING_H
#define WSKSHARP_SHIM_PAIRING_H

#include <wdm.h>

/* In IRP.AllocationFlags (the I/O manager's field, never the driver's): the pairing block precedes this IRP. */
#define WSKSHARP_IRP_PAIRED 0x80
#define WSKSHARP_IRP_PAIRING_MAGIC 0x5052494b53575357ULL /* "WSWSKIRP" */
#define WSKSHARP_IRP_FREED_MAGIC 0x4545524650524944ULL   /* a freed IRP in the quarantine: Managed holds the free site */

typedef struct _WSKSHARP_IRP_PAIRING {
    PVOID Managed;   /* GCHandle of the managed request, 0 until the IRP's first WSK call */
    ULONGLONG Magic;
} WSKSHARP_IRP_PAIRING;
C_ASSERT(sizeof(WSKSHARP_IRP_PAIRING) == 16);

/* Before every MDL IoAllocateMdl makes (memory the driver never sees): how many pending WSK requests use the MDL. The
 * bridge counts a request's chain in when the call starts and out before its completion routine runs (only MDLs with
 * MDL_ALLOCATED_FIXED_SIZE and this magic), so IoFreeMdl can tell an MDL freed under a pending request. */
#define WSKSHARP_MDL_MAGIC 0x4c444d4b53575357ULL /* "WSWSKMDL" */
#define WSKSHARP_MDL_FREED_MAGIC 0x4545524644444d4cULL

typedef struct _WSKSHARP_MDL_HEADER {
    volatile LONG InUse;
    ULONG Reserved;
    ULONGLONG Magic;
} WSKSHARP_MDL_HEADER;
C_ASSERT(sizeof(WSKSHARP_MDL_HEADER) == 16);

/* Exported by the managed bridge. */
extern BOOLEAN WskSharpNativeIrpPending(PIRP Irp);
extern VOID WskSharpNativeIrpFreed(PIRP Irp);
extern BOOLEAN WskSharpNativeIrpCancel(PIRP Irp);
extern VOID WskSharpNativeHeld(LONG *Sockets, LONG *Registrations, LONG *Indications);

/* quarantine.c: keeps a freed block (an IRP's pairing block, an MDL's header) allocated a while, frees the oldest. */
VOID WskSharpQuarantine(void *Block);

/* held.c: what the WSK path still holds, for the verifier's report. */
VOID WskSharpHeldRegister(void);
VOID WskSharpHeldIrps(LONG Delta);
VOID WskSharpHeldMdls(LONG Delta);
/* The managed WSK layer's log (its ILogger) through DbgPrintEx: one DbgPrint line per line of Text. */
VOID WskSharpLogText(ULONG Level, const char *Text);

#endif
