/* Counted strings (UNICODE_STRING, ANSI_STRING). "ANSI" here is Latin-1: bytes map to U+0000..U+00FF and
 * back, other characters become '?' (Windows uses the system code page, usually 1252). */
#ifndef WSKSHARP_NT_STRINGS_H
#define WSKSHARP_NT_STRINGS_H

#include "../ntdef.h"

WSKSHARP_BEGIN_DECLS

WSKSHARP_API VOID RtlInitUnicodeString(PUNICODE_STRING DestinationString, PCWSTR SourceString);
WSKSHARP_API NTSTATUS RtlInitUnicodeStringEx(PUNICODE_STRING DestinationString, PCWSTR SourceString);
WSKSHARP_API VOID RtlInitAnsiString(PANSI_STRING DestinationString, PCSTR SourceString);
WSKSHARP_API NTSTATUS RtlInitAnsiStringEx(PANSI_STRING DestinationString, PCSTR SourceString);
WSKSHARP_API VOID RtlInitString(PSTRING DestinationString, PCSTR SourceString);
WSKSHARP_API VOID RtlCopyUnicodeString(PUNICODE_STRING DestinationString, PCUNICODE_STRING SourceString);
WSKSHARP_API VOID RtlCopyString(PSTRING DestinationString, const STRING *SourceString);
WSKSHARP_API NTSTATUS RtlAppendUnicodeStringToString(PUNICODE_STRING Destination, PCUNICODE_STRING Source);
WSKSHARP_API NTSTATUS RtlAppendUnicodeToString(PUNICODE_STRING Destination, PCWSTR Source);
WSKSHARP_API NTSTATUS RtlAnsiStringToUnicodeString(PUNICODE_STRING DestinationString, PCANSI_STRING SourceString,
    BOOLEAN AllocateDestinationString);
WSKSHARP_API NTSTATUS RtlUnicodeStringToAnsiString(PANSI_STRING DestinationString, PCUNICODE_STRING SourceString,
    BOOLEAN AllocateDestinationString);
WSKSHARP_API BOOLEAN RtlCreateUnicodeString(PUNICODE_STRING DestinationString, PCWSTR SourceString);
WSKSHARP_API NTSTATUS RtlDuplicateUnicodeString(ULONG Flags, PCUNICODE_STRING StringIn, PUNICODE_STRING StringOut);
WSKSHARP_API VOID RtlFreeUnicodeString(PUNICODE_STRING UnicodeString);
WSKSHARP_API VOID RtlFreeAnsiString(PANSI_STRING AnsiString);
WSKSHARP_API LONG RtlCompareUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2,
    BOOLEAN CaseInSensitive);
WSKSHARP_API BOOLEAN RtlEqualUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2,
    BOOLEAN CaseInSensitive);
WSKSHARP_API BOOLEAN RtlPrefixUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2,
    BOOLEAN CaseInSensitive);
WSKSHARP_API LONG RtlCompareString(const STRING *String1, const STRING *String2, BOOLEAN CaseInSensitive);
WSKSHARP_API BOOLEAN RtlEqualString(const STRING *String1, const STRING *String2, BOOLEAN CaseInSensitive);
WSKSHARP_API WCHAR RtlUpcaseUnicodeChar(WCHAR SourceCharacter);
WSKSHARP_API WCHAR RtlDowncaseUnicodeChar(WCHAR SourceCharacter);
WSKSHARP_API NTSTATUS RtlUnicodeStringToInteger(PCUNICODE_STRING String, ULONG Base, PULONG Value);
WSKSHARP_API NTSTATUS RtlIntegerToUnicodeString(ULONG Value, ULONG Base, PUNICODE_STRING String);

/* Allocated strings come from the pool under this tag, so one never freed is reported as a leak. */
#define WSKSHARP_RTL_STRING_TAG 'rtSR'

WSKSHARP_END_DECLS

#endif /* WSKSHARP_NT_STRINGS_H */
