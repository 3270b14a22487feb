/* UNICODE_STRING and ANSI_STRING functions. Lengths are in bytes and buffers need not be terminated; where
 * Windows terminates a result when there is room, so do these. ANSI is Latin-1 (see nt/strings.h). Allocated
 * buffers are pool under WSKSHARP_RTL_STRING_TAG, so a string never freed shows in the leak report. */
#include "internal.h"

#include <string.h>

#define MAX_USHORT_BYTES 0xfffe

WSKSHARP_API VOID RtlInitUnicodeString(PUNICODE_STRING DestinationString, PCWSTR SourceString)
{
    if (SourceString == NULL) {
        DestinationString->Length = DestinationString->MaximumLength = 0;
        DestinationString->Buffer = NULL;
        return;
    }
    SIZE_T bytes = WskSharp_wcslen(SourceString) * sizeof(WCHAR);
    if (bytes > MAX_USHORT_BYTES - sizeof(WCHAR))
        bytes = MAX_USHORT_BYTES - sizeof(WCHAR);
    DestinationString->Length = (USHORT)bytes;
    DestinationString->MaximumLength = (USHORT)(bytes + sizeof(WCHAR));
    DestinationString->Buffer = (PWCH)SourceString;
}

WSKSHARP_API NTSTATUS RtlInitUnicodeStringEx(PUNICODE_STRING DestinationString, PCWSTR SourceString)
{
    if (SourceString != NULL && WskSharp_wcslen(SourceString) * sizeof(WCHAR) > UNICODE_STRING_MAX_BYTES - sizeof(WCHAR))
        return STATUS_NAME_TOO_LONG;
    RtlInitUnicodeString(DestinationString, SourceString);
    return STATUS_SUCCESS;
}

WSKSHARP_API VOID RtlInitAnsiString(PANSI_STRING DestinationString, PCSTR SourceString)
{
    if (SourceString == NULL) {
        DestinationString->Length = DestinationString->MaximumLength = 0;
        DestinationString->Buffer = NULL;
        return;
    }
    SIZE_T bytes = strlen(SourceString);
    if (bytes > MAX_USHORT_BYTES)
        bytes = MAX_USHORT_BYTES;
    DestinationString->Length = (USHORT)bytes;
    DestinationString->MaximumLength = (USHORT)(bytes + 1);
    DestinationString->Buffer = (PCHAR)SourceString;
}

WSKSHARP_API NTSTATUS RtlInitAnsiStringEx(PANSI_STRING DestinationString, PCSTR SourceString)
{
    if (SourceString != NULL && strlen(SourceString) > MAX_USHORT_BYTES)
        return STATUS_NAME_TOO_LONG;
    RtlInitAnsiString(DestinationString, SourceString);
    return STATUS_SUCCESS;
}

WSKSHARP_API VOID RtlInitString(PSTRING DestinationString, PCSTR SourceString)
{
    RtlInitAnsiString(DestinationString, SourceString);
}

/* Copies what fits in the destination's MaximumLength. */
WSKSHARP_API VOID RtlCopyUnicodeString(PUNICODE_STRING DestinationString, PCUNICODE_STRING SourceString)
{
    if (SourceString == NULL || SourceString->Buffer == NULL) {
        DestinationString->Length = 0;
        return;
    }
    USHORT n = SourceString->Length < DestinationString->MaximumLength ? SourceString->Length
                                                                       : DestinationString->MaximumLength;
    n &= (USHORT)~1u;
    memmove(DestinationString->Buffer, SourceString->Buffer, n);
    DestinationString->Length = n;
    if (n + sizeof(WCHAR) <= DestinationString->MaximumLength)
        DestinationString->Buffer[n / sizeof(WCHAR)] = 0;
}

WSKSHARP_API VOID RtlCopyString(PSTRING DestinationString, const STRING *SourceString)
{
    if (SourceString == NULL || SourceString->Buffer == NULL) {
        DestinationString->Length = 0;
        return;
    }
    USHORT n = SourceString->Length < DestinationString->MaximumLength ? SourceString->Length
                                                                       : DestinationString->MaximumLength;
    memmove(DestinationString->Buffer, SourceString->Buffer, n);
    DestinationString->Length = n;
    if (n < DestinationString->MaximumLength)
        DestinationString->Buffer[n] = 0;
}

static NTSTATUS Append(PUNICODE_STRING Destination, const WCHAR *Source, SIZE_T Bytes)
{
    if (Destination->Length + Bytes > Destination->MaximumLength)
        return STATUS_BUFFER_TOO_SMALL;
    memmove((PUCHAR)Destination->Buffer + Destination->Length, Source, Bytes);
    Destination->Length = (USHORT)(Destination->Length + Bytes);
    if (Destination->Length + sizeof(WCHAR) <= Destination->MaximumLength)
        Destination->Buffer[Destination->Length / sizeof(WCHAR)] = 0;
    return STATUS_SUCCESS;
}

WSKSHARP_API NTSTATUS RtlAppendUnicodeStringToString(PUNICODE_STRING Destination, PCUNICODE_STRING Source)
{
    if (Source == NULL || Source->Length == 0)
        return STATUS_SUCCESS;
    return Append(Destination, Source->Buffer, Source->Length);
}

WSKSHARP_API NTSTATUS RtlAppendUnicodeToString(PUNICODE_STRING Destination, PCWSTR Source)
{
    if (Source == NULL)
        return STATUS_SUCCESS;
    return Append(Destination, Source, WskSharp_wcslen(Source) * sizeof(WCHAR));
}

WSKSHARP_API NTSTATUS RtlAnsiStringToUnicodeString(PUNICODE_STRING DestinationString, PCANSI_STRING SourceString,
    BOOLEAN AllocateDestinationString)
{
    SIZE_T bytes = (SIZE_T)SourceString->Length * sizeof(WCHAR);
    if (bytes + sizeof(WCHAR) > UNICODE_STRING_MAX_BYTES)
        return STATUS_INVALID_PARAMETER_2;
    if (AllocateDestinationString) {
        DestinationString->Buffer = WskSharpPoolAllocateAt(bytes + sizeof(WCHAR), WSKSHARP_RTL_STRING_TAG, FALSE,
            NULL, 0, WSKSHARP_CALLER());
        if (DestinationString->Buffer == NULL)
            return STATUS_NO_MEMORY;
        DestinationString->MaximumLength = (USHORT)(bytes + sizeof(WCHAR));
    } else if (bytes > DestinationString->MaximumLength) {
        return STATUS_BUFFER_OVERFLOW;
    }
    for (USHORT i = 0; i < SourceString->Length; i++)
        DestinationString->Buffer[i] = (WCHAR)(UCHAR)SourceString->Buffer[i];
    DestinationString->Length = (USHORT)bytes;
    if (bytes + sizeof(WCHAR) <= DestinationString->MaximumLength)
        DestinationString->Buffer[bytes / sizeof(WCHAR)] = 0;
    return STATUS_SUCCESS;
}

WSKSHARP_API NTSTATUS RtlUnicodeStringToAnsiString(PANSI_STRING DestinationString, PCUNICODE_STRING SourceString,
    BOOLEAN AllocateDestinationString)
{
    SIZE_T chars = SourceString->Length / sizeof(WCHAR);
    NTSTATUS status = STATUS_SUCCESS;
    if (chars + 1 > MAXUSHORT)
        return STATUS_INVALID_PARAMETER_2;
    if (AllocateDestinationString) {
        DestinationString->Buffer = WskSharpPoolAllocateAt(chars + 1, WSKSHARP_RTL_STRING_TAG, FALSE, NULL, 0,
            WSKSHARP_CALLER());
        if (DestinationString->Buffer == NULL)
            return STATUS_NO_MEMORY;
        DestinationString->MaximumLength = (USHORT)(chars + 1);
    } else if (chars >= DestinationString->MaximumLength) {
        /* Windows converts what fits (keeping room for the terminator) and says so. */
        if (DestinationString->MaximumLength == 0)
            return STATUS_BUFFER_OVERFLOW;
        chars = DestinationString->MaximumLength - 1u;
        status = STATUS_BUFFER_OVERFLOW;
    }
    for (SIZE_T i = 0; i < chars; i++) {
        WCHAR w = SourceString->Buffer[i];
        DestinationString->Buffer[i] = (CHAR)(w < 0x100 ? w : '?');
    }
    DestinationString->Buffer[chars] = 0;
    DestinationString->Length = (USHORT)chars;
    return status;
}

WSKSHARP_API BOOLEAN RtlCreateUnicodeString(PUNICODE_STRING DestinationString, PCWSTR SourceString)
{
    SIZE_T bytes = (WskSharp_wcslen(SourceString) + 1) * sizeof(WCHAR);
    if (bytes > UNICODE_STRING_MAX_BYTES)
        return FALSE;
    DestinationString->Buffer = WskSharpPoolAllocateAt(bytes, WSKSHARP_RTL_STRING_TAG, FALSE, NULL, 0,
        WSKSHARP_CALLER());
    if (DestinationString->Buffer == NULL)
        return FALSE;
    memcpy(DestinationString->Buffer, SourceString, bytes);
    DestinationString->Length = (USHORT)(bytes - sizeof(WCHAR));
    DestinationString->MaximumLength = (USHORT)bytes;
    return TRUE;
}

#define RTL_DUPLICATE_UNICODE_STRING_NULL_TERMINATE 1
#define RTL_DUPLICATE_UNICODE_STRING_ALLOCATE_NULL_STRING 2

WSKSHARP_API NTSTATUS RtlDuplicateUnicodeString(ULONG Flags, PCUNICODE_STRING StringIn, PUNICODE_STRING StringOut)
{
    if (StringIn == NULL || StringOut == NULL || (Flags & ~3u) != 0 || StringIn->Length > StringIn->MaximumLength)
        return STATUS_INVALID_PARAMETER;
    BOOLEAN terminate = (Flags & RTL_DUPLICATE_UNICODE_STRING_NULL_TERMINATE) != 0;
    if (StringIn->Length == 0 && !(Flags & RTL_DUPLICATE_UNICODE_STRING_ALLOCATE_NULL_STRING)) {
        StringOut->Length = StringOut->MaximumLength = 0;
        StringOut->Buffer = NULL;
        return STATUS_SUCCESS;
    }
    SIZE_T bytes = StringIn->Length + (terminate ? sizeof(WCHAR) : 0);
    if (bytes > UNICODE_STRING_MAX_BYTES)
        return STATUS_NAME_TOO_LONG;
    StringOut->Buffer = WskSharpPoolAllocateAt(bytes ? bytes : sizeof(WCHAR), WSKSHARP_RTL_STRING_TAG, FALSE, NULL,
        0, WSKSHARP_CALLER());
    if (StringOut->Buffer == NULL)
        return STATUS_NO_MEMORY;
    memcpy(StringOut->Buffer, StringIn->Buffer, StringIn->Length);
    if (terminate)
        StringOut->Buffer[StringIn->Length / sizeof(WCHAR)] = 0;
    StringOut->Length = StringIn->Length;
    StringOut->MaximumLength = (USHORT)bytes;
    return STATUS_SUCCESS;
}

WSKSHARP_API VOID RtlFreeUnicodeString(PUNICODE_STRING UnicodeString)
{
    if (UnicodeString->Buffer != NULL)
        WskSharpPoolFreeAt(UnicodeString->Buffer, WSKSHARP_RTL_STRING_TAG, TRUE, NULL, 0, WSKSHARP_CALLER());
    UnicodeString->Buffer = NULL;
    UnicodeString->Length = UnicodeString->MaximumLength = 0;
}

WSKSHARP_API VOID RtlFreeAnsiString(PANSI_STRING AnsiString)
{
    if (AnsiString->Buffer != NULL)
        WskSharpPoolFreeAt(AnsiString->Buffer, WSKSHARP_RTL_STRING_TAG, TRUE, NULL, 0, WSKSHARP_CALLER());
    AnsiString->Buffer = NULL;
    AnsiString->Length = AnsiString->MaximumLength = 0;
}

/* Case mapping for ASCII and Latin-1 (the characters Latin-1 "ANSI" can carry). */
WSKSHARP_API WCHAR RtlUpcaseUnicodeChar(WCHAR c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 0xe0 && c <= 0xfe && c != 0xf7))
        return (WCHAR)(c - 0x20);
    if (c == 0xff)
        return (WCHAR)0x178;
    return c;
}

WSKSHARP_API WCHAR RtlDowncaseUnicodeChar(WCHAR c)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 0xc0 && c <= 0xde && c != 0xd7))
        return (WCHAR)(c + 0x20);
    if (c == 0x178)
        return (WCHAR)0xff;
    return c;
}

WSKSHARP_API LONG RtlCompareUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2,
    BOOLEAN CaseInSensitive)
{
    USHORT n1 = String1->Length / sizeof(WCHAR), n2 = String2->Length / sizeof(WCHAR);
    USHORT n = n1 < n2 ? n1 : n2;
    for (USHORT i = 0; i < n; i++) {
        WCHAR a = String1->Buffer[i], b = String2->Buffer[i];
        if (CaseInSensitive) {
            a = RtlUpcaseUnicodeChar(a);
            b = RtlUpcaseUnicodeChar(b);
        }
        if (a != b)
            return (LONG)a - (LONG)b;
    }
    return (LONG)n1 - (LONG)n2;
}

WSKSHARP_API BOOLEAN RtlEqualUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2,
    BOOLEAN CaseInSensitive)
{
    return String1->Length == String2->Length && RtlCompareUnicodeString(String1, String2, CaseInSensitive) == 0;
}

WSKSHARP_API BOOLEAN RtlPrefixUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2,
    BOOLEAN CaseInSensitive)
{
    if (String1->Length > String2->Length)
        return FALSE;
    UNICODE_STRING head = { String1->Length, String1->Length, String2->Buffer };
    return RtlCompareUnicodeString(String1, &head, CaseInSensitive) == 0;
}

static CHAR UpperAnsi(CHAR c)
{
    return (CHAR)RtlUpcaseUnicodeChar((WCHAR)(UCHAR)c);
}

WSKSHARP_API LONG RtlCompareString(const STRING *String1, const STRING *String2, BOOLEAN CaseInSensitive)
{
    USHORT n = String1->Length < String2->Length ? String1->Length : String2->Length;
    for (USHORT i = 0; i < n; i++) {
        UCHAR a = (UCHAR)String1->Buffer[i], b = (UCHAR)String2->Buffer[i];
        if (CaseInSensitive) {
            a = (UCHAR)UpperAnsi((CHAR)a);
            b = (UCHAR)UpperAnsi((CHAR)b);
        }
        if (a != b)
            return (LONG)a - (LONG)b;
    }
    return (LONG)String1->Length - (LONG)String2->Length;
}

WSKSHARP_API BOOLEAN RtlEqualString(const STRING *String1, const STRING *String2, BOOLEAN CaseInSensitive)
{
    return String1->Length == String2->Length && RtlCompareString(String1, String2, CaseInSensitive) == 0;
}

/* Base 0 reads an optional 0x/0o/0b prefix; parsing stops at the first character that is not a digit. */
WSKSHARP_API NTSTATUS RtlUnicodeStringToInteger(PCUNICODE_STRING String, ULONG Base, PULONG Value)
{
    USHORT n = String->Length / sizeof(WCHAR), i = 0;
    const WCHAR *s = String->Buffer;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    BOOLEAN negative = FALSE;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        negative = s[i++] == '-';
    if (Base == 0) {
        Base = 10;
        if (i + 1 < n && s[i] == '0') {
            WCHAR p = s[i + 1];
            if (p == 'x' || p == 'X') { Base = 16; i += 2; }
            else if (p == 'o' || p == 'O') { Base = 8; i += 2; }
            else if (p == 'b' || p == 'B') { Base = 2; i += 2; }
        }
    } else if (Base != 2 && Base != 8 && Base != 10 && Base != 16) {
        return STATUS_INVALID_PARAMETER;
    }
    ULONG value = 0;
    for (; i < n; i++) {
        WCHAR c = s[i];
        ULONG digit = (c >= '0' && c <= '9') ? (ULONG)(c - '0')
            : (c >= 'a' && c <= 'f') ? (ULONG)(c - 'a' + 10)
            : (c >= 'A' && c <= 'F') ? (ULONG)(c - 'A' + 10) : 99;
        if (digit >= Base)
            break;
        value = value * Base + digit;
    }
    *Value = negative ? (ULONG)(0u - value) : value;
    return STATUS_SUCCESS;
}

WSKSHARP_API NTSTATUS RtlIntegerToUnicodeString(ULONG Value, ULONG Base, PUNICODE_STRING String)
{
    if (Base == 0)
        Base = 10;
    if (Base != 2 && Base != 8 && Base != 10 && Base != 16)
        return STATUS_INVALID_PARAMETER;
    WCHAR digits[33];
    int n = 0;
    do {
        ULONG d = Value % Base;
        digits[n++] = (WCHAR)(d < 10 ? '0' + d : 'A' + d - 10);
        Value /= Base;
    } while (Value != 0);
    if ((SIZE_T)(n + 1) * sizeof(WCHAR) > String->MaximumLength)
        return STATUS_BUFFER_OVERFLOW;
    for (int i = 0; i < n; i++)
        String->Buffer[i] = digits[n - 1 - i];
    String->Buffer[n] = 0;
    String->Length = (USHORT)(n * sizeof(WCHAR));
    return STATUS_SUCCESS;
}
