/* Counted strings and the 16-bit wcs* helpers. */
#include "harness.h"

TEST(wcs_helpers_are_16_bit)
{
    WCHAR buffer[16];
    EXPECT(wcslen(L"12345") == 5);
    EXPECT(wcsnlen(L"12345", 3) == 3);
    wcscpy(buffer, L"abc");
    wcscat(buffer, L"DEF");
    EXPECT_WSTR(buffer, "abcDEF");
    EXPECT(wcscmp(buffer, L"abcDEF") == 0 && wcscmp(L"a", L"b") < 0);
    EXPECT(_wcsicmp(buffer, L"ABCdef") == 0 && _wcsnicmp(L"abX", L"ABy", 2) == 0);
    EXPECT(wcschr(buffer, L'D') == buffer + 3 && wcsrchr(L"a.b.c", L'.') != NULL);
    EXPECT(wcsstr(buffer, L"cD") == buffer + 2 && wcsstr(buffer, L"zz") == NULL);
    wcsncpy(buffer, L"xy", 4);
    EXPECT(buffer[2] == 0 && buffer[3] == 0);
}

TEST(init_unicode_and_ansi_strings)
{
    UNICODE_STRING u;
    ANSI_STRING a;
    RtlInitUnicodeString(&u, L"12345");
    EXPECT(u.Length == 10 && u.MaximumLength == 12);
    RtlInitUnicodeString(&u, NULL);
    EXPECT(u.Length == 0 && u.MaximumLength == 0 && u.Buffer == NULL);
    RtlInitAnsiString(&a, "abc");
    EXPECT(a.Length == 3 && a.MaximumLength == 4);
    UNICODE_STRING c = RTL_CONSTANT_STRING(L"const");
    EXPECT(c.Length == 10 && c.MaximumLength == 12);
    EXPECT_STATUS(RtlInitUnicodeStringEx(&u, L"x"), STATUS_SUCCESS);
}

TEST(copy_append_compare_unicode_strings)
{
    WCHAR buffer[4];
    UNICODE_STRING dest = { 0, sizeof buffer, buffer };
    UNICODE_STRING src = RTL_CONSTANT_STRING(L"abcdef");
    RtlCopyUnicodeString(&dest, &src);
    EXPECT(dest.Length == sizeof buffer && buffer[3] == L'd'); /* cut to MaximumLength */
    UNICODE_STRING two = RTL_CONSTANT_STRING(L"ab");
    RtlCopyUnicodeString(&dest, &two);
    EXPECT(dest.Length == 4 && buffer[2] == 0);
    EXPECT_STATUS(RtlAppendUnicodeToString(&dest, L"c"), STATUS_SUCCESS);
    EXPECT_STATUS(RtlAppendUnicodeToString(&dest, L"de"), STATUS_BUFFER_TOO_SMALL);
    UNICODE_STRING upper = RTL_CONSTANT_STRING(L"ABC");
    EXPECT(RtlEqualUnicodeString(&dest, &upper, TRUE));
    EXPECT(!RtlEqualUnicodeString(&dest, &upper, FALSE));
    EXPECT(RtlCompareUnicodeString(&two, &src, FALSE) < 0);
    EXPECT(RtlCompareUnicodeString(&src, &two, FALSE) > 0);
    EXPECT(RtlCompareUnicodeString(&upper, &dest, FALSE) < 0);
    EXPECT(RtlPrefixUnicodeString(&two, &src, FALSE));
}

TEST(ansi_unicode_conversions_allocate_from_pool)
{
    ANSI_STRING a = RTL_CONSTANT_STRING("h\xe9llo");
    UNICODE_STRING u;
    ANSI_STRING back;
    EXPECT_STATUS(RtlAnsiStringToUnicodeString(&u, &a, TRUE), STATUS_SUCCESS);
    EXPECT(u.Length == 10 && u.Buffer[1] == 0xe9 && u.Buffer[5] == 0);
    EXPECT(WskSharpPoolOutstanding(WSKSHARP_RTL_STRING_TAG, NULL) == 1);
    EXPECT_STATUS(RtlUnicodeStringToAnsiString(&back, &u, TRUE), STATUS_SUCCESS);
    EXPECT(back.Length == 5 && memcmp(back.Buffer, a.Buffer, 5) == 0 && back.Buffer[5] == 0);
    RtlFreeUnicodeString(&u);
    RtlFreeAnsiString(&back);
    EXPECT(u.Buffer == NULL && WskSharpPoolOutstanding(WSKSHARP_RTL_STRING_TAG, NULL) == 0);

    char small[3];
    ANSI_STRING cut = { 0, sizeof small, small };
    UNICODE_STRING src = RTL_CONSTANT_STRING(L"x\x4e2dyz");
    EXPECT_STATUS(RtlUnicodeStringToAnsiString(&cut, &src, FALSE), STATUS_BUFFER_OVERFLOW);
    EXPECT(cut.Length == 2 && small[0] == 'x' && small[1] == '?' && small[2] == 0);
    WCHAR wbuf[2];
    UNICODE_STRING tooSmall = { 0, sizeof wbuf, wbuf };
    EXPECT_STATUS(RtlAnsiStringToUnicodeString(&tooSmall, &a, FALSE), STATUS_BUFFER_OVERFLOW);
}

TEST(create_duplicate_and_integer_strings)
{
    UNICODE_STRING made, dup;
    EXPECT(RtlCreateUnicodeString(&made, L"made"));
    EXPECT(made.Length == 8 && made.MaximumLength == 10);
    EXPECT_STATUS(RtlDuplicateUnicodeString(1, &made, &dup), STATUS_SUCCESS);
    EXPECT(RtlEqualUnicodeString(&made, &dup, FALSE) && dup.Buffer[4] == 0);
    RtlFreeUnicodeString(&made);
    RtlFreeUnicodeString(&dup);
    ULONG v;
    UNICODE_STRING number = RTL_CONSTANT_STRING(L"0x1F");
    EXPECT_STATUS(RtlUnicodeStringToInteger(&number, 0, &v), STATUS_SUCCESS);
    EXPECT(v == 31);
    UNICODE_STRING dec = RTL_CONSTANT_STRING(L" -12x");
    EXPECT_STATUS(RtlUnicodeStringToInteger(&dec, 10, &v), STATUS_SUCCESS);
    EXPECT((LONG)v == -12);
    WCHAR buffer[12];
    UNICODE_STRING out = { 0, sizeof buffer, buffer };
    EXPECT_STATUS(RtlIntegerToUnicodeString(255, 16, &out), STATUS_SUCCESS);
    EXPECT_WSTR(buffer, "FF");
    EXPECT(out.Length == 4);
}
