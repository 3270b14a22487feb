/* A tiny test harness: TEST(name) registers a case; EXPECT fails it with the expression and line. Each case
 * prints "ok NAME" or "FAIL NAME: reason". A case also fails if it leaves a verifier violation it did not
 * expect: cases that provoke one on purpose check it with EXPECT_VIOLATION, which also clears it. */
#ifndef WSKSHARP_TEST_HARNESS_H
#define WSKSHARP_TEST_HARNESS_H

#include <ntddk.h>

typedef void TEST_FUNCTION(void);
void HarnessRegister(const char *Name, TEST_FUNCTION *Function);
void HarnessFail(const char *File, int Line, const char *Format, ...) __attribute__((format(printf, 3, 4)));
int HarnessFailed(void);

#define TEST(name)                                                                \
    static void name(void);                                                       \
    __attribute__((constructor)) static void Register_##name(void)                \
    {                                                                             \
        HarnessRegister(#name, name);                                             \
    }                                                                             \
    static void name(void)

#define EXPECT(cond)                                            \
    do {                                                        \
        if (!(cond)) {                                          \
            HarnessFail(__FILE__, __LINE__, "%s", #cond);       \
            return;                                             \
        }                                                       \
    } while (0)

#define EXPECT_STATUS(expr, status)                                                                    \
    do {                                                                                               \
        NTSTATUS s_ = (expr);                                                                          \
        if (s_ != (NTSTATUS)(status)) {                                                                \
            HarnessFail(__FILE__, __LINE__, "%s returned 0x%08x, expected %s", #expr, (unsigned)s_, #status); \
            return;                                                                                    \
        }                                                                                              \
    } while (0)

#define EXPECT_STR(actual, expected)                                                                      \
    do {                                                                                                  \
        const char *a_ = (actual), *e_ = (expected);                                                      \
        if (strcmp(a_, e_) != 0) {                                                                        \
            HarnessFail(__FILE__, __LINE__, "%s is \"%s\", expected \"%s\"", #actual, a_, e_);            \
            return;                                                                                       \
        }                                                                                                 \
    } while (0)

/* Wide strings compared after narrowing (tests only use ASCII). */
const char *Narrow(const WCHAR *Wide);
#define EXPECT_WSTR(actual, expected) EXPECT_STR(Narrow(actual), expected)

#define EXPECT_VIOLATION(rule)                                                                           \
    do {                                                                                                 \
        ULONG n_ = WskSharpVerifierViolationCount(rule);                                                 \
        if (n_ != 1) {                                                                                   \
            HarnessFail(__FILE__, __LINE__, "expected one %s violation, saw %u", rule, (unsigned)n_);    \
            return;                                                                                      \
        }                                                                                                \
        WskSharpVerifierClearViolations();                                                               \
    } while (0)

/* stderr captured into a buffer (DbgPrint writes there). */
void CaptureBegin(void);
const char *CaptureEnd(void);

/* A relative timeout in milliseconds, as Windows code writes it. */
LARGE_INTEGER Ms(LONG Milliseconds);

#endif
