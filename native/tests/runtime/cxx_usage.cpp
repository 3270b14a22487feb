// Driver code is sometimes C++: the common kernel runtime idioms must compile as C++ too (run.sh checks this
// file with g++ -fsyntax-only; it is not linked).
#include <ntddk.h>
#include <ntstrsafe.h>

struct Context {
    LIST_ENTRY Link;
    KEVENT Done;
    volatile LONG Refs;
};

static UNICODE_STRING g_name = RTL_CONSTANT_STRING(L"\\Device\\Example");
static ANSI_STRING g_ansi = RTL_CONSTANT_STRING("example");

extern "C" NTSTATUS Example(PLIST_ENTRY Head)
{
    Context *c = static_cast<Context *>(ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(Context), 'xtCE'));
    if (c == nullptr)
        return STATUS_INSUFFICIENT_RESOURCES;
    KeInitializeEvent(&c->Done, NotificationEvent, FALSE);
    InsertTailList(Head, &c->Link);
    InterlockedIncrement(&c->Refs);
    LARGE_INTEGER timeout;
    timeout.QuadPart = -10 * 1000 * 10;
    NTSTATUS status = KeWaitForSingleObject(&c->Done, Executive, KernelMode, FALSE, &timeout);
    Context *same = CONTAINING_RECORD(Head->Flink, Context, Link);
    ASSERT(same == c);
    NT_ASSERT(NT_SUCCESS(status));
    char text[32];
    RtlStringCbPrintfA(text, sizeof text, "%wZ %Z %I64d", &g_name, &g_ansi, (LONGLONG)1);
    KdPrint(("%s\n", text));
    KIRQL irql;
    KSPIN_LOCK lock;
    KeInitializeSpinLock(&lock);
    KeAcquireSpinLock(&lock, &irql);
    KeReleaseSpinLock(&lock, irql);
    RemoveEntryList(&c->Link);
    ExFreePoolWithTag(c, 'xtCE');
    return status;
}

_Must_inspect_result_ _IRQL_requires_max_(DISPATCH_LEVEL) static NTSTATUS Annotated(_In_ PVOID Context,
    _Out_writes_bytes_(Size) PUCHAR Buffer, _In_ ULONG Size);
_Use_decl_annotations_ static NTSTATUS Annotated(PVOID Context, PUCHAR Buffer, ULONG Size)
{
    UNREFERENCED_PARAMETER(Context);
    RtlZeroMemory(Buffer, Size);
    return STATUS_SUCCESS;
}
extern "C" NTSTATUS UsesAnnotated(PUCHAR Buffer) { return Annotated(nullptr, Buffer, 1); }
