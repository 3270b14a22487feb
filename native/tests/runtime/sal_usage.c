/* SAL-annotated driver declarations, as WDK samples write them, must compile (they expand to nothing); this file
 * holds no test case: building it is the check. */
#include <ntddk.h>

#pragma warning(push)
#pragma warning(disable: 4201)
#pragma alloc_text(INIT, DriverEntry)
#pragma warning(pop)
DRIVER_INITIALIZE DriverEntry;
_Dispatch_type_(IRP_MJ_CREATE) DRIVER_DISPATCH DispatchCreate;
_Must_inspect_result_ _IRQL_requires_max_(DISPATCH_LEVEL) static NTSTATUS Helper(_In_ PVOID Context, _Out_writes_bytes_to_(Size, *Written) PUCHAR Buffer, _In_ ULONG Size, _Out_ PULONG Written, _Inout_opt_ PLIST_ENTRY Entry, _In_reads_bytes_(Size) const UCHAR *In);
_Use_decl_annotations_ static NTSTATUS Helper(PVOID Context, PUCHAR Buffer, ULONG Size, PULONG Written, PLIST_ENTRY Entry, const UCHAR *In) { (void)Context; (void)Buffer; (void)Size; (void)Entry; (void)In; *Written = 0; return STATUS_SUCCESS; }
_Function_class_(IO_WORKITEM_ROUTINE) _IRQL_requires_(PASSIVE_LEVEL) _IRQL_requires_same_ static VOID Work(_In_ PDEVICE_OBJECT D, _In_opt_ PVOID C) { (void)D; (void)C; }
_When_(return >= 0, _Post_satisfies_(1)) _Success_(return >= 0) static NTSTATUS W(void) { ULONG w; return Helper(NULL, NULL, 0, &w, NULL, NULL); }
_Use_decl_annotations_ NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) { UNREFERENCED_PARAMETER(DriverObject); UNREFERENCED_PARAMETER(RegistryPath); (void)Work; return W(); }
