/* What the shim shares with the managed bridge (native/WskSharp.Native/NativeIrp.cs keeps the same values): the pairing
 * block IoAllocateIrp puts before an IRP, and the bridge's entry points the shim calls. */
#ifndef WSKSHARP_SHIM_PAIRING_H
#define WSKSHARP_SHIM_PAIRING_H

#include <wdm.h>

/* In IRP.AllocationFlags (the I/O manager's field, never the driver's): the pairing block precedes this IRP. */
#define WSKSHARP_IRP_PAIRED 0x80
#define WSKSHARP_IRP_PAIRING_MAGIC 0x5052494b53575357ULL /* "WSWSKIRP" */

typedef struct _WSKSHARP_IRP_PAIRING {
    PVOID Managed;   /* GCHandle of the managed request, 0 until the IRP's first WSK call */
    ULONGLONG Magic;
} WSKSHARP_IRP_PAIRING;
C_ASSERT(sizeof(WSKSHARP_IRP_PAIRING) == 16);

/* Exported by the managed bridge. */
extern BOOLEAN WskSharpNativeIrpPending(PIRP Irp);
extern VOID WskSharpNativeIrpFreed(PIRP Irp);
extern BOOLEAN WskSharpNativeIrpCancel(PIRP Irp);
extern VOID WskSharpNativeHeld(LONG *Sockets, LONG *Registrations);

/* held.c: what the WSK path still holds, for the verifier's report. */
VOID WskSharpHeldRegister(void);
VOID WskSharpHeldIrps(LONG Delta);
VOID WskSharpHeldMdls(LONG Delta);

#endif
