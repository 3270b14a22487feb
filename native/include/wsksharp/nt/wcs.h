/* 16-bit wcs* helpers. glibc's wcs* functions read 32-bit units, so under -fshort-wchar they return wrong
 * answers (wcslen("12345") is 3): these names are redirected to UTF-16 versions. glibc's <wchar.h> is included
 * first so that a later include of it by the client does not meet the macros. */
#ifndef WSKSHARP_NT_WCS_H
#define WSKSHARP_NT_WCS_H

#include "../ntdef.h"

#include <wchar.h>

WSKSHARP_INLINE SIZE_T WskSharp_wcslen(const WCHAR *s)
{
    const WCHAR *p = s;
    while (*p)
        p++;
    return (SIZE_T)(p - s);
}

WSKSHARP_INLINE SIZE_T WskSharp_wcsnlen(const WCHAR *s, SIZE_T max)
{
    SIZE_T n = 0;
    while (n < max && s[n])
        n++;
    return n;
}

WSKSHARP_INLINE WCHAR *WskSharp_wcscpy(WCHAR *d, const WCHAR *s)
{
    WCHAR *r = d;
    while ((*d++ = *s++) != 0) { }
    return r;
}

/* Pads with zeros to n units, and leaves d unterminated when s has n or more, as the C function does. */
WSKSHARP_INLINE WCHAR *WskSharp_wcsncpy(WCHAR *d, const WCHAR *s, SIZE_T n)
{
    SIZE_T i = 0;
    for (; i < n && s[i]; i++)
        d[i] = s[i];
    for (; i < n; i++)
        d[i] = 0;
    return d;
}

WSKSHARP_INLINE WCHAR *WskSharp_wcscat(WCHAR *d, const WCHAR *s)
{
    WskSharp_wcscpy(d + WskSharp_wcslen(d), s);
    return d;
}

WSKSHARP_INLINE WCHAR *WskSharp_wcsncat(WCHAR *d, const WCHAR *s, SIZE_T n)
{
    WCHAR *e = d + WskSharp_wcslen(d);
    SIZE_T i = 0;
    for (; i < n && s[i]; i++)
        e[i] = s[i];
    e[i] = 0;
    return d;
}

WSKSHARP_INLINE int WskSharp_wcsncmp(const WCHAR *a, const WCHAR *b, SIZE_T n)
{
    for (SIZE_T i = 0; i < n; i++) {
        if (a[i] != b[i])
            return (USHORT)a[i] < (USHORT)b[i] ? -1 : 1;
        if (a[i] == 0)
            return 0;
    }
    return 0;
}

WSKSHARP_INLINE int WskSharp_wcscmp(const WCHAR *a, const WCHAR *b)
{
    return WskSharp_wcsncmp(a, b, (SIZE_T)-1);
}

/* Case folding of the ASCII letters only, as the C runtime does in the "C" locale. */
WSKSHARP_INLINE WCHAR WskSharp_towlower(WCHAR c)
{
    return (WCHAR)((c >= L'A' && c <= L'Z') ? c + (L'a' - L'A') : c);
}

WSKSHARP_INLINE WCHAR WskSharp_towupper(WCHAR c)
{
    return (WCHAR)((c >= L'a' && c <= L'z') ? c - (L'a' - L'A') : c);
}

WSKSHARP_INLINE int WskSharp_wcsnicmp(const WCHAR *a, const WCHAR *b, SIZE_T n)
{
    for (SIZE_T i = 0; i < n; i++) {
        WCHAR x = WskSharp_towlower(a[i]), y = WskSharp_towlower(b[i]);
        if (x != y)
            return (USHORT)x < (USHORT)y ? -1 : 1;
        if (x == 0)
            return 0;
    }
    return 0;
}

WSKSHARP_INLINE int WskSharp_wcsicmp(const WCHAR *a, const WCHAR *b)
{
    return WskSharp_wcsnicmp(a, b, (SIZE_T)-1);
}

WSKSHARP_INLINE WCHAR *WskSharp_wcschr(const WCHAR *s, WCHAR c)
{
    for (;; s++) {
        if (*s == c)
            return (WCHAR *)s;
        if (*s == 0)
            return NULL;
    }
}

WSKSHARP_INLINE WCHAR *WskSharp_wcsrchr(const WCHAR *s, WCHAR c)
{
    const WCHAR *found = NULL;
    for (;; s++) {
        if (*s == c)
            found = s;
        if (*s == 0)
            return (WCHAR *)found;
    }
}

WSKSHARP_INLINE WCHAR *WskSharp_wcsstr(const WCHAR *hay, const WCHAR *needle)
{
    SIZE_T n = WskSharp_wcslen(needle);
    for (; *hay; hay++)
        if (WskSharp_wcsncmp(hay, needle, n) == 0)
            return (WCHAR *)hay;
    return n == 0 ? (WCHAR *)hay : NULL;
}

#define wcslen WskSharp_wcslen
#define wcsnlen WskSharp_wcsnlen
#define wcscpy WskSharp_wcscpy
#define wcsncpy WskSharp_wcsncpy
#define wcscat WskSharp_wcscat
#define wcsncat WskSharp_wcsncat
#define wcscmp WskSharp_wcscmp
#define wcsncmp WskSharp_wcsncmp
#define _wcsicmp WskSharp_wcsicmp
#define _wcsnicmp WskSharp_wcsnicmp
#define wcsicmp WskSharp_wcsicmp
#define wcsnicmp WskSharp_wcsnicmp
#define wcschr WskSharp_wcschr
#define wcsrchr WskSharp_wcsrchr
#define wcsstr WskSharp_wcsstr

#endif /* WSKSHARP_NT_WCS_H */
