/* MDLs over process memory: the described bytes are at StartVa + ByteOffset, already resident and addressable, so
 * "mapping" and "locking" only set the flags and fields the WDK's inline functions read. */
#include <stdlib.h>
#include <wdm.h>
#include "pairing.h"
#include "../runtime/internal.h"

SIZE_T MmSizeOfMdl(PVOID Base, SIZE_T Length)
{
    return sizeof(MDL) + sizeof(PFN_NUMBER) * ADDRESS_AND_SIZE_TO_SPAN_PAGES(Base, Length);
}

PMDL IoAllocateMdl(PVOID VirtualAddress, ULONG Length, BOOLEAN SecondaryBuffer, BOOLEAN ChargeQuota, PIRP Irp)
{
    UNREFERENCED_PARAMETER(ChargeQuota);
    SIZE_T size = MmSizeOfMdl(VirtualAddress, Length);
    if (size > 0x7fff) {
        return NULL; /* MDL.Size is a CSHORT: about 32 MB is the most one MDL describes, as on Windows */
    }
    WSKSHARP_MDL_HEADER *header = calloc(1, sizeof(WSKSHARP_MDL_HEADER) + size);
    if (header == NULL) {
        return NULL;
    }
    header->Magic = WSKSHARP_MDL_MAGIC;
    PMDL mdl = (PMDL)(header + 1);
    MmInitializeMdl(mdl, VirtualAddress, Length);
    mdl->MdlFlags = MDL_ALLOCATED_FIXED_SIZE;
    WskSharpHeldMdls(1);
    if (Irp != NULL) {
        if (!SecondaryBuffer || Irp->MdlAddress == NULL) {
            Irp->MdlAddress = mdl;
        } else {
            PMDL last = Irp->MdlAddress;
            while (last->Next != NULL) {
                last = last->Next;
            }
            last->Next = mdl;
        }
    }
    return mdl;
}

VOID IoFreeMdl(PMDL Mdl)
{
    if (Mdl == NULL) {
        return;
    }
    WSKSHARP_MDL_HEADER *header = (WSKSHARP_MDL_HEADER *)Mdl - 1;
    if (header->Magic == WSKSHARP_MDL_FREED_MAGIC) {
        char first[160];
        WskSharpDescribeSite(first, sizeof(first), NULL, 0, Mdl->MappedSystemVa);
        WskSharpVerifierViolation("MDL_DOUBLE_FREE", NULL, 0, __builtin_return_address(0),
            "IoFreeMdl of an MDL already freed (first freed at %s)", first);
        return;
    }
    if (header->Magic != WSKSHARP_MDL_MAGIC) {
        WskSharpVerifierViolation("MDL_BAD_FREE", NULL, 0, __builtin_return_address(0),
            "IoFreeMdl of an MDL IoAllocateMdl did not make; not freed");
        return;
    }
    if (InterlockedCompareExchange(&header->InUse, 0, 0) != 0) {
        /* Windows would bug-check (or the transport would read freed memory); here the MDL stays allocated. */
        WskSharpVerifierViolation("MDL_FREED_IN_USE", NULL, 0, __builtin_return_address(0),
            "IoFreeMdl of an MDL a pending WSK request still uses (free it after the request's completion routine ran)");
        return;
    }
    WskSharpHeldMdls(-1);
    header->Magic = WSKSHARP_MDL_FREED_MAGIC;
    Mdl->Next = NULL;
    Mdl->MappedSystemVa = __builtin_return_address(0); /* the free site, for a second IoFreeMdl's report */
    WskSharpQuarantine(header);
}

static VOID FillPfns(PMDL Mdl)
{
    PPFN_NUMBER pfn = MmGetMdlPfnArray(Mdl);
    ULONG pages = ADDRESS_AND_SIZE_TO_SPAN_PAGES(MmGetMdlVirtualAddress(Mdl), Mdl->ByteCount);
    ULONG room = (ULONG)(((SIZE_T)Mdl->Size - sizeof(MDL)) / sizeof(PFN_NUMBER));
    for (ULONG i = 0; i < pages && i < room; i++) {
        pfn[i] = ((ULONG_PTR)Mdl->StartVa >> PAGE_SHIFT) + i;
    }
}

VOID MmBuildMdlForNonPagedPool(PMDL MemoryDescriptorList)
{
    MemoryDescriptorList->MappedSystemVa = MmGetMdlVirtualAddress(MemoryDescriptorList);
    MemoryDescriptorList->MdlFlags |= MDL_SOURCE_IS_NONPAGED_POOL;
    FillPfns(MemoryDescriptorList);
}

VOID MmProbeAndLockPages(PMDL MemoryDescriptorList, KPROCESSOR_MODE AccessMode, LOCK_OPERATION Operation)
{
    UNREFERENCED_PARAMETER(AccessMode);
    if (Operation != IoReadAccess) {
        MemoryDescriptorList->MdlFlags |= MDL_WRITE_OPERATION;
    }
    MemoryDescriptorList->MdlFlags |= MDL_PAGES_LOCKED;
    FillPfns(MemoryDescriptorList);
}

VOID MmUnlockPages(PMDL MemoryDescriptorList)
{
    MemoryDescriptorList->MdlFlags &= ~(MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA | MDL_WRITE_OPERATION);
}

PVOID MmMapLockedPagesSpecifyCache(PMDL MemoryDescriptorList, KPROCESSOR_MODE AccessMode, MEMORY_CACHING_TYPE CacheType,
    PVOID RequestedAddress, ULONG BugCheckOnFailure, ULONG Priority)
{
    UNREFERENCED_PARAMETER(AccessMode);
    UNREFERENCED_PARAMETER(CacheType);
    UNREFERENCED_PARAMETER(RequestedAddress);
    UNREFERENCED_PARAMETER(BugCheckOnFailure);
    UNREFERENCED_PARAMETER(Priority);
    MemoryDescriptorList->MappedSystemVa = MmGetMdlVirtualAddress(MemoryDescriptorList);
    MemoryDescriptorList->MdlFlags |= MDL_MAPPED_TO_SYSTEM_VA;
    return MemoryDescriptorList->MappedSystemVa;
}

VOID MmUnmapLockedPages(PVOID BaseAddress, PMDL MemoryDescriptorList)
{
    UNREFERENCED_PARAMETER(BaseAddress);
    MemoryDescriptorList->MdlFlags &= ~MDL_MAPPED_TO_SYSTEM_VA;
}

VOID IoBuildPartialMdl(PMDL SourceMdl, PMDL TargetMdl, PVOID VirtualAddress, ULONG Length)
{
    if (Length == 0) {
        Length = SourceMdl->ByteCount - (ULONG)((PCHAR)VirtualAddress - (PCHAR)MmGetMdlVirtualAddress(SourceMdl));
    }
    TargetMdl->StartVa = PAGE_ALIGN(VirtualAddress);
    TargetMdl->ByteOffset = BYTE_OFFSET(VirtualAddress);
    TargetMdl->ByteCount = Length;
    TargetMdl->Process = SourceMdl->Process;
    TargetMdl->MdlFlags = (CSHORT)((TargetMdl->MdlFlags & MDL_ALLOCATED_FIXED_SIZE) | MDL_PARTIAL
        | (SourceMdl->MdlFlags & (MDL_SOURCE_IS_NONPAGED_POOL | MDL_PAGES_LOCKED)));
    TargetMdl->MappedSystemVa = VirtualAddress;
    if (SourceMdl->MdlFlags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL)) {
        TargetMdl->MdlFlags |= MDL_PARTIAL_HAS_BEEN_MAPPED;
    }
    FillPfns(TargetMdl);
}

VOID MmPrepareMdlForReuse(PMDL Mdl)
{
    Mdl->MdlFlags &= ~MDL_PARTIAL_HAS_BEEN_MAPPED;
}
