/* The harness: runs every registered case in order and exits non-zero if any failed. */
#define _GNU_SOURCE /* fileno, setenv */
#include "harness.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_CASES 256

static struct { const char *Name; TEST_FUNCTION *Function; } g_cases[MAX_CASES];
static int g_count;
static int g_caseFailed;
static char g_reason[1024];

void HarnessRegister(const char *Name, TEST_FUNCTION *Function)
{
    if (g_count < MAX_CASES) {
        g_cases[g_count].Name = Name;
        g_cases[g_count].Function = Function;
        g_count++;
    }
}

void HarnessFail(const char *File, int Line, const char *Format, ...)
{
    if (g_caseFailed)
        return;
    g_caseFailed = 1;
    int n = snprintf(g_reason, sizeof g_reason, "%s:%d: ", File, Line);
    va_list args;
    va_start(args, Format);
    vsnprintf(g_reason + n, sizeof g_reason - (size_t)n, Format, args);
    va_end(args);
}

const char *Narrow(const WCHAR *Wide)
{
    static _Thread_local char buffers[4][512];
    static _Thread_local int next;
    char *out = buffers[next++ % 4];
    size_t i = 0;
    for (; Wide[i] && i + 1 < sizeof buffers[0]; i++)
        out[i] = Wide[i] < 0x80 ? (char)Wide[i] : '?';
    out[i] = 0;
    return out;
}

static int g_savedStderr = -1;
static FILE *g_capture;
static char g_captured[8192];

void CaptureBegin(void)
{
    fflush(stderr);
    g_capture = tmpfile();
    g_savedStderr = dup(2);
    dup2(fileno(g_capture), 2);
}

const char *CaptureEnd(void)
{
    fflush(stderr);
    dup2(g_savedStderr, 2);
    close(g_savedStderr);
    rewind(g_capture);
    size_t n = fread(g_captured, 1, sizeof g_captured - 1, g_capture);
    g_captured[n] = 0;
    fclose(g_capture);
    return g_captured;
}

LARGE_INTEGER Ms(LONG Milliseconds)
{
    LARGE_INTEGER t;
    t.QuadPart = -10000LL * Milliseconds;
    return t;
}

int main(void)
{
    int failed = 0;
    /* Violations are checked by the cases; their stderr echo would only clutter the output. */
    setenv("WSKSHARP_VERIFIER_QUIET", "1", 1);
    for (int i = 0; i < g_count; i++) {
        g_caseFailed = 0;
        WskSharpVerifierClearViolations();
        g_cases[i].Function();
        if (!g_caseFailed && WskSharpVerifierViolationCount(NULL) != 0) {
            char report[1024];
            WskSharpVerifierReport(report, sizeof report);
            HarnessFail(__FILE__, __LINE__, "unexpected verifier violation: %s", report);
        }
        if (KeGetCurrentIrql() != PASSIVE_LEVEL && !g_caseFailed)
            HarnessFail(__FILE__, __LINE__, "case left IRQL at %u", KeGetCurrentIrql());
        KeLowerIrql(PASSIVE_LEVEL);
        WskSharpVerifierClearViolations();
        if (g_caseFailed) {
            printf("FAIL %s: %s\n", g_cases[i].Name, g_reason);
            failed++;
        } else {
            printf("ok %s\n", g_cases[i].Name);
        }
        fflush(stdout);
    }
    /* Every case cleans up after itself, so the whole run must end with nothing held. */
    char report[4096];
    ULONG problems = WskSharpVerifierReport(report, sizeof report);
    if (problems != 0) {
        printf("FAIL verifier_report_clean_at_exit: %u problem(s):\n%s", (unsigned)problems, report);
        failed++;
    } else {
        printf("ok verifier_report_clean_at_exit\n");
    }
    return failed ? 1 : 0;
}
