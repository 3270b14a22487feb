/* The verifier's record: violations as they happen, with their call sites, and the report that adds what is
 * still held. Driver Verifier would bug-check at the first violation; here the run goes on and the report
 * (the driver host's exit status) says what went wrong. */
#include "internal.h"

#include <dlfcn.h>
#include <string.h>

#define MAX_VIOLATIONS 256
#define MAX_SOURCES 8

typedef struct VIOLATION {
    char Rule[40];
    char Site[200];
    char Message[320];
} VIOLATION;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static VIOLATION g_violations[MAX_VIOLATIONS];
static ULONG g_count;   /* recorded, may exceed MAX_VIOLATIONS (the rest are counted, not kept) */
static WSKSHARP_VERIFIER_SOURCE *g_sources[MAX_SOURCES];
static ULONG g_sourceCount;

void WskSharpTagText(ULONG Tag, char Out[5])
{
    for (int i = 0; i < 4; i++) {
        unsigned char c = (unsigned char)(Tag >> (8 * i));
        Out[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '.';
    }
    Out[4] = 0;
}

void WskSharpDescribeSite(char *Out, SIZE_T Size, const char *File, int Line, const void *Caller)
{
    if (File != NULL) {
        snprintf(Out, Size, "%s:%d", File, Line);
        return;
    }
    Dl_info info;
    if (Caller != NULL && dladdr(Caller, &info) && info.dli_sname != NULL) {
        snprintf(Out, Size, "%s+0x%lx (%s)", info.dli_sname,
            (unsigned long)((const char *)Caller - (const char *)info.dli_saddr),
            info.dli_fname ? info.dli_fname : "?");
    } else if (Caller != NULL && dladdr(Caller, &info) && info.dli_fname != NULL) {
        snprintf(Out, Size, "%s+0x%lx", info.dli_fname,
            (unsigned long)((const char *)Caller - (const char *)info.dli_fbase));
    } else if (Caller != NULL) {
        snprintf(Out, Size, "%p", Caller);
    } else {
        snprintf(Out, Size, "unknown site");
    }
}

void WskSharpAppend(char *Buffer, SIZE_T Size, SIZE_T *Used, const char *Format, ...)
{
    va_list args;
    va_start(args, Format);
    if (*Used < Size) {
        int n = vsnprintf(Buffer + *Used, Size - *Used, Format, args);
        if (n > 0)
            *Used += (SIZE_T)n;
    } else {
        int n = vsnprintf(NULL, 0, Format, args);
        if (n > 0)
            *Used += (SIZE_T)n;
    }
    va_end(args);
}

void WskSharpViolationV(const char *Rule, const char *File, int Line, const void *Caller, const char *Format,
    va_list Args)
{
    VIOLATION v;
    snprintf(v.Rule, sizeof v.Rule, "%s", Rule);
    WskSharpDescribeSite(v.Site, sizeof v.Site, File, Line, Caller);
    vsnprintf(v.Message, sizeof v.Message, Format, Args);
    pthread_mutex_lock(&g_lock);
    if (g_count < MAX_VIOLATIONS)
        g_violations[g_count] = v;
    g_count++;
    pthread_mutex_unlock(&g_lock);
    /* Also said at once on stderr: the report comes at unload, the reader of a hang wants it now. */
    if (getenv("WSKSHARP_VERIFIER_QUIET") == NULL)
        fprintf(stderr, "WskSharp verifier: %s at %s: %s\n", v.Rule, v.Site, v.Message);
}

WSKSHARP_API VOID WskSharpVerifierViolation(const char *Rule, const char *File, int Line, const void *Caller,
    const char *Format, ...)
{
    va_list args;
    va_start(args, Format);
    WskSharpViolationV(Rule, File, Line, Caller, Format, args);
    va_end(args);
}

WSKSHARP_API VOID WskSharpVerifierAddSource(WSKSHARP_VERIFIER_SOURCE *Source)
{
    pthread_mutex_lock(&g_lock);
    BOOLEAN known = FALSE;
    for (ULONG i = 0; i < g_sourceCount; i++)
        known |= g_sources[i] == Source;
    if (!known && g_sourceCount < MAX_SOURCES)
        g_sources[g_sourceCount++] = Source;
    pthread_mutex_unlock(&g_lock);
}

WSKSHARP_API ULONG WskSharpVerifierViolationCount(const char *Rule)
{
    ULONG n = 0;
    pthread_mutex_lock(&g_lock);
    if (Rule == NULL) {
        n = g_count;
    } else {
        for (ULONG i = 0; i < g_count && i < MAX_VIOLATIONS; i++)
            n += strcmp(g_violations[i].Rule, Rule) == 0;
    }
    pthread_mutex_unlock(&g_lock);
    return n;
}

WSKSHARP_API VOID WskSharpVerifierClearViolations(void)
{
    pthread_mutex_lock(&g_lock);
    g_count = 0;
    pthread_mutex_unlock(&g_lock);
}

WSKSHARP_API ULONG WskSharpVerifierReport(char *Buffer, SIZE_T Size)
{
    char scratch[1];
    if (Buffer == NULL || Size == 0) {
        Buffer = scratch;
        Size = 1;
    }
    Buffer[0] = 0;
    SIZE_T used = 0;
    ULONG problems = 0;

    pthread_mutex_lock(&g_lock);
    for (ULONG i = 0; i < g_count && i < MAX_VIOLATIONS; i++) {
        const VIOLATION *v = &g_violations[i];
        WskSharpAppend(Buffer, Size, &used, "%s at %s: %s\n", v->Rule, v->Site, v->Message);
    }
    if (g_count > MAX_VIOLATIONS)
        WskSharpAppend(Buffer, Size, &used, "... and %u more violations\n", (unsigned)(g_count - MAX_VIOLATIONS));
    problems += g_count;
    ULONG sources = g_sourceCount;
    WSKSHARP_VERIFIER_SOURCE *copy[MAX_SOURCES];
    memcpy(copy, g_sources, sizeof copy);
    pthread_mutex_unlock(&g_lock);

    problems += WskSharpPoolReport(Buffer, Size, &used);
    problems += WskSharpThreadReport(Buffer, Size, &used);
    problems += WskSharpTimerReport(Buffer, Size, &used);
    problems += WskSharpWorkItemReport(Buffer, Size, &used);
    problems += WskSharpDeviceReport(Buffer, Size, &used);
    problems += WskSharpLookasideReport(Buffer, Size, &used);
    for (ULONG i = 0; i < sources; i++) {
        SIZE_T offset = used < Size ? used : Size - 1;
        ULONG found = copy[i](Buffer + offset, Size - offset);
        problems += found;
        used = offset + strlen(Buffer + offset);
    }
    return problems;
}
