/* DbgPrint and RtlString*Printf follow Microsoft's format rules. */
#include "harness.h"

static char g_out[512];

#define FMT(...) (RtlStringCbPrintfA(g_out, sizeof g_out, __VA_ARGS__), g_out)

TEST(format_wide_strings)
{
    UNICODE_STRING u = RTL_CONSTANT_STRING(L"counted");
    ANSI_STRING a = RTL_CONSTANT_STRING("ansi!");
    u.Length = 6 * sizeof(WCHAR); /* counted, not terminated: %wZ stops at Length */
    EXPECT_STR(FMT("%ws|%ls|%S|%s", L"w", L"l", L"S", "n"), "w|l|S|n");
    EXPECT_STR(FMT("%wZ|%Z", &u, &a), "counte|ansi!");
    EXPECT_STR(FMT("%C%c%wc", L'W', 'n', L'x'), "Wnx");
    EXPECT_STR(FMT("%ws|%wZ", (PCWSTR)NULL, (PUNICODE_STRING)NULL), "(null)|(null)");
}

TEST(format_integer_sizes)
{
    EXPECT_STR(FMT("%I64d %I64x %I64u", -(1LL << 40), 0x123456789abcULL, 18446744073709551615ULL),
        "-1099511627776 123456789abc 18446744073709551615");
    EXPECT_STR(FMT("%Iu %Id %Ix", (SIZE_T)1 << 40, (SSIZE_T)-2, (ULONG_PTR)0xfeedface12ULL), "1099511627776 -2 feedface12");
    EXPECT_STR(FMT("%ld %lu %lx", (LONG)-5, (ULONG)4294967295u, (ULONG)0xdeadbeef), "-5 4294967295 deadbeef");
    /* 'l' is 32-bit: a 64-bit argument passed to %lx shows its low half, and the next argument is still read
     * from the next slot (glibc would print 100000005). */
    EXPECT_STR(FMT("%lx|%s", 0x100000005ULL, "next"), "5|next");
    EXPECT_STR(FMT("%lld %llu %I32d %hd %hhu", -3LL, 7ULL, (INT32)-4, (SHORT)-2, (UCHAR)255), "-3 7 -4 -2 255");
    EXPECT_STR(FMT("%x %X %o %u %d %i", 255u, 255u, 8u, 42u, -42, 7), "ff FF 10 42 -42 7");
}

TEST(format_widths_precision_and_pointers)
{
    EXPECT_STR(FMT("[%5d|%-5d|%05d|%+d|% d]", 42, 42, 42, 42, 42), "[   42|42   |00042|+42| 42]");
    EXPECT_STR(FMT("[%*d|%-*d|%.*s]", 4, 7, 3, 8, 2, "abcdef"), "[   7|8  |ab]");
    EXPECT_STR(FMT("[%.3s|%6s|%-6s|%3ws]", "abcdef", "ab", "ab", L"x"), "[abc|    ab|ab    |  x]");
    EXPECT_STR(FMT("%p", (void *)0xdeadbeef), "00000000DEADBEEF");
    EXPECT_STR(FMT("%#x %08.3f %%", 255u, 3.14159), "0xff 0003.142 %");
    EXPECT_STR(FMT("%c|%5c", 'a', 'b'), "a|    b");
}

TEST(format_refuses_n_and_shows_unknown)
{
    int n = 7;
    EXPECT_STR(FMT("a%nb", &n), "ab");
    EXPECT(n == 7);
    EXPECT_STR(FMT("%k"), "%k");
}

TEST(dbgprint_goes_to_stderr_with_prefix)
{
    UNICODE_STRING u = RTL_CONSTANT_STRING(L"uni");
    CaptureBegin();
    DbgPrint("hello %ws %wZ %I64d %ld\n", L"wide", &u, (LONGLONG)1 << 33, (LONG)-1);
    DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_ERROR_LEVEL, "two ");
    DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_INFO_LEVEL, "parts\nline %u\n", 3u);
    KdPrint(("kd %s\n", "print"));
    KdPrintEx((DPFLTR_IHVNETWORK_ID, DPFLTR_TRACE_LEVEL, "kdex %d\n", 5));
    const char *out = CaptureEnd();
    EXPECT_STR(out, "DbgPrint: hello wide uni 8589934592 -1\n"
                    "DbgPrint: two parts\n"
                    "DbgPrint: line 3\n"
                    "DbgPrint: kd print\n"
                    "DbgPrint: kdex 5\n");
}

TEST(string_printf_overflow_and_wide_forms)
{
    char small[6];
    WCHAR wide[16];
    EXPECT_STATUS(RtlStringCbPrintfA(small, sizeof small, "%s", "abcdefgh"), STATUS_BUFFER_OVERFLOW);
    EXPECT_STR(small, "abcde");
    EXPECT_STATUS(RtlStringCbPrintfA(small, 0, "x"), STATUS_INVALID_PARAMETER);
    EXPECT_STATUS(RtlStringCchPrintfA(small, sizeof small, "%d", 12345), STATUS_SUCCESS);
    EXPECT_STR(small, "12345");
    /* In a wide format %s is wide and %S narrow. */
    EXPECT_STATUS(RtlStringCbPrintfW(wide, sizeof wide, L"%s %S %d %wZ", L"w", "n", 3, &(UNICODE_STRING)RTL_CONSTANT_STRING(L"z")),
        STATUS_SUCCESS);
    EXPECT_WSTR(wide, "w n 3 z");
    EXPECT_STATUS(RtlStringCchPrintfW(wide, 4, L"%hs", "toolong"), STATUS_BUFFER_OVERFLOW);
    EXPECT_WSTR(wide, "too");
}

TEST(unicode_string_printf_sets_length)
{
    WCHAR buffer[8];
    UNICODE_STRING u = { 0, sizeof buffer, buffer };
    EXPECT_STATUS(RtlUnicodeStringPrintf(&u, L"%d-%s", 12, L"ab"), STATUS_SUCCESS);
    EXPECT(u.Length == 5 * sizeof(WCHAR));
    EXPECT(buffer[0] == L'1' && buffer[4] == L'b');
    EXPECT_STATUS(RtlUnicodeStringPrintf(&u, L"%s", L"0123456789"), STATUS_BUFFER_OVERFLOW);
    EXPECT(u.Length == sizeof buffer); /* filled, not terminated */
}

TEST(string_copy_and_length)
{
    char a[4];
    WCHAR w[4];
    size_t n;
    EXPECT_STATUS(RtlStringCbCopyA(a, sizeof a, "abc"), STATUS_SUCCESS);
    EXPECT_STR(a, "abc");
    EXPECT_STATUS(RtlStringCbCopyA(a, sizeof a, "abcd"), STATUS_BUFFER_OVERFLOW);
    EXPECT_STR(a, "abc");
    EXPECT_STATUS(RtlStringCbCopyA(a, 0, "a"), STATUS_INVALID_PARAMETER);
    EXPECT_STATUS(RtlStringCbCopyW(w, sizeof w, L"xyz"), STATUS_SUCCESS);
    EXPECT_WSTR(w, "xyz");
    EXPECT_STATUS(RtlStringCbCopyW(w, sizeof w, L"wxyz"), STATUS_BUFFER_OVERFLOW);
    EXPECT_WSTR(w, "wxy");
    EXPECT_STATUS(RtlStringCchCopyW(w, 2, L"q"), STATUS_SUCCESS);
    EXPECT_STATUS(RtlStringCbLengthW(L"four", 100, &n), STATUS_SUCCESS);
    EXPECT(n == 8);
    EXPECT_STATUS(RtlStringCchLengthA("four", 4, &n), STATUS_INVALID_PARAMETER);
}

TEST(dbgprint_cuts_at_512_bytes_and_survives_many_lines)
{
    char many[600];
    memset(many, '\n', sizeof many - 1);
    many[sizeof many - 1] = 0;
    CaptureBegin();
    DbgPrint("%s", many);
    const char *out = CaptureEnd();
    EXPECT(strlen(out) == 511 * (sizeof "DbgPrint: \n" - 1));
    memset(many, 'x', sizeof many - 1);
    CaptureBegin();
    DbgPrint("%s\n", many);
    DbgPrint("\n");
    out = CaptureEnd();
    EXPECT(strlen(out) == strlen("DbgPrint: ") + 511 + 1); /* cut before its newline: the next call continues that line */
}

TEST(string_cat)
{
    char a[8] = "ab";
    WCHAR w[4] = L"x";
    EXPECT_STATUS(RtlStringCbCatA(a, sizeof a, "cd"), STATUS_SUCCESS);
    EXPECT_STR(a, "abcd");
    EXPECT_STATUS(RtlStringCchCatA(a, sizeof a, "efghij"), STATUS_BUFFER_OVERFLOW);
    EXPECT_STR(a, "abcdefg");
    EXPECT_STATUS(RtlStringCbCatW(w, sizeof w, L"yz"), STATUS_SUCCESS);
    EXPECT_WSTR(w, "xyz");
    EXPECT_STATUS(RtlStringCchCatW(w, 4, L"!"), STATUS_BUFFER_OVERFLOW);
    char unterminated[2] = { 'a', 'b' };
    EXPECT_STATUS(RtlStringCbCatA(unterminated, sizeof unterminated, "c"), STATUS_INVALID_PARAMETER);
}
