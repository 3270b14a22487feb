/* ntstrsafe's bounded copies and printfs. Rules: a destination of 0 characters (or more than
 * NTSTRSAFE_MAX_CCH) is STATUS_INVALID_PARAMETER; a result that does not fit is cut, terminated and
 * STATUS_BUFFER_OVERFLOW. */
#include "internal.h"

static NTSTATUS PrintTo(void *Dest, BOOLEAN Wide, size_t Cch, const void *Format, va_list *Args)
{
    if (Dest == NULL || Cch == 0 || Cch > NTSTRSAFE_MAX_CCH)
        return STATUS_INVALID_PARAMETER;
    WSKSHARP_SINK sink = { Wide, Dest, Cch - 1, 0, 0 };
    WskSharpFormat(&sink, Format, Wide, Args);
    if (Wide)
        ((WCHAR *)Dest)[sink.Stored] = 0;
    else
        ((char *)Dest)[sink.Stored] = 0;
    return sink.Wanted > sink.Stored ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
}

WSKSHARP_API NTSTATUS RtlStringCchVPrintfA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszFormat,
    va_list argList)
{
    va_list copy;
    va_copy(copy, argList);
    NTSTATUS s = PrintTo(pszDest, FALSE, cchDest, pszFormat, &copy);
    va_end(copy);
    return s;
}

WSKSHARP_API NTSTATUS RtlStringCchVPrintfW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszFormat,
    va_list argList)
{
    va_list copy;
    va_copy(copy, argList);
    NTSTATUS s = PrintTo(pszDest, TRUE, cchDest, pszFormat, &copy);
    va_end(copy);
    return s;
}

WSKSHARP_API NTSTATUS RtlStringCbVPrintfA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszFormat,
    va_list argList)
{
    return RtlStringCchVPrintfA(pszDest, cbDest, pszFormat, argList);
}

WSKSHARP_API NTSTATUS RtlStringCbVPrintfW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszFormat,
    va_list argList)
{
    return RtlStringCchVPrintfW(pszDest, cbDest / sizeof(WCHAR), pszFormat, argList);
}

WSKSHARP_API NTSTATUS RtlStringCbPrintfA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszFormat, ...)
{
    va_list args;
    va_start(args, pszFormat);
    NTSTATUS s = PrintTo(pszDest, FALSE, cbDest, pszFormat, &args);
    va_end(args);
    return s;
}

WSKSHARP_API NTSTATUS RtlStringCbPrintfW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszFormat, ...)
{
    va_list args;
    va_start(args, pszFormat);
    NTSTATUS s = PrintTo(pszDest, TRUE, cbDest / sizeof(WCHAR), pszFormat, &args);
    va_end(args);
    return s;
}

WSKSHARP_API NTSTATUS RtlStringCchPrintfA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszFormat, ...)
{
    va_list args;
    va_start(args, pszFormat);
    NTSTATUS s = PrintTo(pszDest, FALSE, cchDest, pszFormat, &args);
    va_end(args);
    return s;
}

WSKSHARP_API NTSTATUS RtlStringCchPrintfW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszFormat, ...)
{
    va_list args;
    va_start(args, pszFormat);
    NTSTATUS s = PrintTo(pszDest, TRUE, cchDest, pszFormat, &args);
    va_end(args);
    return s;
}

static NTSTATUS UnicodePrint(PUNICODE_STRING Dest, NTSTRSAFE_PCWSTR Format, va_list *Args)
{
    if (Dest == NULL || (Dest->Buffer == NULL && Dest->MaximumLength != 0) || (Dest->MaximumLength & 1) != 0)
        return STATUS_INVALID_PARAMETER;
    WSKSHARP_SINK sink = { TRUE, Dest->Buffer, Dest->MaximumLength / sizeof(WCHAR), 0, 0 };
    WskSharpFormat(&sink, Format, TRUE, Args);
    Dest->Length = (USHORT)(sink.Stored * sizeof(WCHAR));
    return sink.Wanted > sink.Stored ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
}

WSKSHARP_API NTSTATUS RtlUnicodeStringPrintf(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszFormat, ...)
{
    va_list args;
    va_start(args, pszFormat);
    NTSTATUS s = UnicodePrint(DestinationString, pszFormat, &args);
    va_end(args);
    return s;
}

WSKSHARP_API NTSTATUS RtlUnicodeStringVPrintf(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszFormat,
    va_list argList)
{
    va_list copy;
    va_copy(copy, argList);
    NTSTATUS s = UnicodePrint(DestinationString, pszFormat, &copy);
    va_end(copy);
    return s;
}

/* ---- copies ---- */
static NTSTATUS Copy(void *Dest, BOOLEAN Wide, size_t Cch, const void *Src)
{
    if (Dest == NULL || Cch == 0 || Cch > NTSTRSAFE_MAX_CCH)
        return STATUS_INVALID_PARAMETER;
    size_t i = 0;
    if (Wide) {
        const WCHAR *s = Src;
        WCHAR *d = Dest;
        for (; i + 1 < Cch && s[i]; i++)
            d[i] = s[i];
        d[i] = 0;
        return s[i] ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
    }
    const char *s = Src;
    char *d = Dest;
    for (; i + 1 < Cch && s[i]; i++)
        d[i] = s[i];
    d[i] = 0;
    return s[i] ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
}

WSKSHARP_API NTSTATUS RtlStringCchCopyA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszSrc)
{
    return Copy(pszDest, FALSE, cchDest, pszSrc);
}

WSKSHARP_API NTSTATUS RtlStringCchCopyW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszSrc)
{
    return Copy(pszDest, TRUE, cchDest, pszSrc);
}

WSKSHARP_API NTSTATUS RtlStringCbCopyA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszSrc)
{
    return Copy(pszDest, FALSE, cbDest, pszSrc);
}

WSKSHARP_API NTSTATUS RtlStringCbCopyW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszSrc)
{
    return Copy(pszDest, TRUE, cbDest / sizeof(WCHAR), pszSrc);
}

/* ---- concatenation: a destination with no terminator within its size is STATUS_INVALID_PARAMETER ---- */
static NTSTATUS Cat(void *Dest, BOOLEAN Wide, size_t Cch, const void *Src)
{
    if (Dest == NULL || Cch == 0 || Cch > NTSTRSAFE_MAX_CCH)
        return STATUS_INVALID_PARAMETER;
    size_t used = 0;
    while (used < Cch && (Wide ? ((WCHAR *)Dest)[used] != 0 : ((char *)Dest)[used] != 0))
        used++;
    if (used == Cch)
        return STATUS_INVALID_PARAMETER;
    return Copy(Wide ? (void *)((WCHAR *)Dest + used) : (void *)((char *)Dest + used), Wide, Cch - used, Src);
}

WSKSHARP_API NTSTATUS RtlStringCchCatA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszSrc)
{
    return Cat(pszDest, FALSE, cchDest, pszSrc);
}

WSKSHARP_API NTSTATUS RtlStringCchCatW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszSrc)
{
    return Cat(pszDest, TRUE, cchDest, pszSrc);
}

WSKSHARP_API NTSTATUS RtlStringCbCatA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszSrc)
{
    return Cat(pszDest, FALSE, cbDest, pszSrc);
}

WSKSHARP_API NTSTATUS RtlStringCbCatW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszSrc)
{
    return Cat(pszDest, TRUE, cbDest / sizeof(WCHAR), pszSrc);
}

/* ---- lengths: STATUS_INVALID_PARAMETER when no terminator is found within the maximum ---- */
static NTSTATUS Length(const void *Str, BOOLEAN Wide, size_t CchMax, size_t *Cch)
{
    if (Str == NULL || CchMax == 0 || CchMax > NTSTRSAFE_MAX_CCH) {
        if (Cch)
            *Cch = 0;
        return STATUS_INVALID_PARAMETER;
    }
    size_t n = 0;
    while (n < CchMax && (Wide ? ((const WCHAR *)Str)[n] != 0 : ((const char *)Str)[n] != 0))
        n++;
    if (Cch)
        *Cch = n < CchMax ? n : 0;
    return n < CchMax ? STATUS_SUCCESS : STATUS_INVALID_PARAMETER;
}

WSKSHARP_API NTSTATUS RtlStringCchLengthA(NTSTRSAFE_PCSTR psz, size_t cchMax, size_t *pcchLength)
{
    return Length(psz, FALSE, cchMax, pcchLength);
}

WSKSHARP_API NTSTATUS RtlStringCchLengthW(NTSTRSAFE_PCWSTR psz, size_t cchMax, size_t *pcchLength)
{
    return Length(psz, TRUE, cchMax, pcchLength);
}

WSKSHARP_API NTSTATUS RtlStringCbLengthA(NTSTRSAFE_PCSTR psz, size_t cbMax, size_t *pcbLength)
{
    return Length(psz, FALSE, cbMax, pcbLength);
}

WSKSHARP_API NTSTATUS RtlStringCbLengthW(NTSTRSAFE_PCWSTR psz, size_t cbMax, size_t *pcbLength)
{
    size_t cch = 0;
    NTSTATUS s = Length(psz, TRUE, cbMax / sizeof(WCHAR), &cch);
    if (pcbLength)
        *pcbLength = cch * sizeof(WCHAR);
    return s;
}
