/* DbgPrint and friends: Microsoft-format output on stderr, every line prefixed "DbgPrint: ". Like Windows,
 * one call prints at most 512 bytes. Assertions and breakpoints are verifier violations: Windows would stop in
 * the debugger or bug-check; here the run continues and the report fails. */
#include "internal.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#define DBGPRINT_MAX 512
#define PREFIX "DbgPrint: "

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static BOOLEAN g_midLine;

static BOOLEAN Enabled(void)
{
    const char *v = getenv("WSKSHARP_DBGPRINT");
    return v == NULL || strcmp(v, "0") != 0;
}

static ULONG Print(PCSTR Format, va_list *Args)
{
    char text[DBGPRINT_MAX];
    WSKSHARP_SINK sink = { FALSE, text, sizeof text - 1, 0, 0 };
    WskSharpFormat(&sink, Format, FALSE, Args);
    text[sink.Stored] = 0;
    if (!Enabled())
        return STATUS_SUCCESS;
    /* One write per line so that concurrent prints do not interleave inside a line. */
    char out[DBGPRINT_MAX * sizeof PREFIX]; /* room for a prefix before every character (all newlines) */
    size_t used = 0;
    pthread_mutex_lock(&g_lock);
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p + 1) : strlen(p);
        if (!g_midLine) {
            memcpy(out + used, PREFIX, sizeof PREFIX - 1);
            used += sizeof PREFIX - 1;
        }
        memcpy(out + used, p, len);
        used += len;
        g_midLine = p[len - 1] != '\n';
        p += len;
    }
    if (used > 0 && write(STDERR_FILENO, out, used) < 0) {
        /* stderr gone: nothing better to do with debug output */
    }
    pthread_mutex_unlock(&g_lock);
    return STATUS_SUCCESS;
}

WSKSHARP_API ULONG DbgPrint(PCSTR Format, ...)
{
    va_list args;
    va_start(args, Format);
    ULONG status = Print(Format, &args);
    va_end(args);
    return status;
}

/* Every component and level is printed (Windows' default filter shows only DPFLTR_ERROR_LEVEL): a test run
 * wants the output. */
WSKSHARP_API ULONG vDbgPrintEx(ULONG ComponentId, ULONG Level, PCSTR Format, va_list arglist)
{
    (void)ComponentId, (void)Level;
    va_list copy;
    va_copy(copy, arglist);
    ULONG status = Print(Format, &copy);
    va_end(copy);
    return status;
}

WSKSHARP_API ULONG DbgPrintEx(ULONG ComponentId, ULONG Level, PCSTR Format, ...)
{
    (void)ComponentId, (void)Level;
    va_list args;
    va_start(args, Format);
    ULONG status = Print(Format, &args);
    va_end(args);
    return status;
}

static BOOLEAN DebuggerAttached(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL)
        return FALSE;
    char line[256];
    BOOLEAN attached = FALSE;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "TracerPid:", 10) == 0) {
            attached = atoi(line + 10) != 0;
            break;
        }
    fclose(f);
    return attached;
}

WSKSHARP_API VOID DbgBreakPoint(void)
{
    if (DebuggerAttached()) {
        raise(SIGTRAP);
        return;
    }
    WskSharpVerifierViolation("BREAKPOINT", NULL, 0, WSKSHARP_CALLER(),
        "DbgBreakPoint with no debugger attached (a bug check on Windows)");
}

WSKSHARP_API VOID WskSharpAssertFailed(const char *Expression, const char *Message, const char *File, int Line)
{
    DbgPrint("Assertion failed: %s%s%s at %s:%d\n", Expression, Message ? ": " : "", Message ? Message : "", File,
        Line);
    WskSharpVerifierViolation("ASSERTION_FAILED", File, Line, NULL, "%s%s%s", Expression, Message ? ": " : "",
        Message ? Message : "");
    if (DebuggerAttached())
        raise(SIGTRAP);
}

WSKSHARP_API VOID WskSharpPagedCodeCheck(const char *File, int Line)
{
    if (KeGetCurrentIrql() > APC_LEVEL)
        WskSharpVerifierViolation("PAGED_CODE_AT_DISPATCH_LEVEL", File, Line, NULL,
            "pageable code (PAGED_CODE) running at IRQL %u", KeGetCurrentIrql());
}
