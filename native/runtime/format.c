/* The printf engine behind DbgPrint and RtlString*Printf, with Microsoft's rules rather than glibc's:
 * 'l' is 32-bit; 'I64' 64-bit, 'I32' 32-bit, 'I' (and 'z', 't') pointer-sized; 'll' 64-bit; in a narrow
 * format %s/%c are narrow and %S/%C wide, in a wide format the reverse; 'h' forces narrow, 'l'/'w' wide;
 * %Z prints a PANSI_STRING and %wZ a PUNICODE_STRING; %p is 16 upper-case hex digits; %n is refused (prints
 * nothing). Numbers are formatted by the C library once the argument has been read at Microsoft's size.
 * Text crosses widths as Latin-1 (a wide unit above 0xFF becomes '?' in narrow output). */
#include "internal.h"

#include <string.h>

enum { F_MINUS = 1, F_PLUS = 2, F_SPACE = 4, F_HASH = 8, F_ZERO = 16 };
enum { SZ_NONE, SZ_HH, SZ_H, SZ_L, SZ_LL, SZ_I32, SZ_I64, SZ_PTR, SZ_W, SZ_LONGDOUBLE };
#define MAX_FIELD 400 /* widths and precisions beyond this are clamped: the number buffer below is fixed */

typedef struct SPEC {
    int Flags;
    int Width;
    int Precision; /* -1: none */
    int Size;
} SPEC;

static void PutUnit(WSKSHARP_SINK *Sink, unsigned Unit)
{
    if (Sink->Stored < Sink->Capacity) {
        if (Sink->Wide)
            ((WCHAR *)Sink->Buffer)[Sink->Stored] = (WCHAR)Unit;
        else
            ((char *)Sink->Buffer)[Sink->Stored] = (char)(Unit < 0x100 ? Unit : '?');
        Sink->Stored++;
    }
    Sink->Wanted++;
}

static void PutRepeat(WSKSHARP_SINK *Sink, unsigned Unit, int Count)
{
    while (Count-- > 0)
        PutUnit(Sink, Unit);
}

static void PutAscii(WSKSHARP_SINK *Sink, const char *Text, size_t Length)
{
    for (size_t i = 0; i < Length; i++)
        PutUnit(Sink, (unsigned char)Text[i]);
}

/* A counted string of either width, cut at the precision and padded to the width. */
static void PutString(WSKSHARP_SINK *Sink, const void *Text, BOOLEAN Wide, size_t Length, const SPEC *Spec)
{
    if (Spec->Precision >= 0 && (size_t)Spec->Precision < Length)
        Length = (size_t)Spec->Precision;
    int pad = Spec->Width > (int)Length ? Spec->Width - (int)Length : 0;
    if (!(Spec->Flags & F_MINUS))
        PutRepeat(Sink, ' ', pad);
    for (size_t i = 0; i < Length; i++)
        PutUnit(Sink, Wide ? (unsigned)((const WCHAR *)Text)[i] : (unsigned)((const unsigned char *)Text)[i]);
    if (Spec->Flags & F_MINUS)
        PutRepeat(Sink, ' ', pad);
}

static size_t NarrowLength(const char *s, int Precision)
{
    size_t n = 0;
    while ((Precision < 0 || n < (size_t)Precision) && s[n])
        n++;
    return n;
}

static size_t WideLength(const WCHAR *s, int Precision)
{
    size_t n = 0;
    while ((Precision < 0 || n < (size_t)Precision) && s[n])
        n++;
    return n;
}

static void PutNull(WSKSHARP_SINK *Sink, const SPEC *Spec)
{
    PutString(Sink, "(null)", FALSE, 6, Spec);
}

/* Builds "%<flags>*.*<length><conv>" for the C library. */
static void CFormat(char *Out, const SPEC *Spec, const char *Length, char Conv)
{
    char *p = Out;
    *p++ = '%';
    if (Spec->Flags & F_MINUS) *p++ = '-';
    if (Spec->Flags & F_PLUS) *p++ = '+';
    if (Spec->Flags & F_SPACE) *p++ = ' ';
    if (Spec->Flags & F_HASH) *p++ = '#';
    if (Spec->Flags & F_ZERO) *p++ = '0';
    *p++ = '*';
    *p++ = '.';
    *p++ = '*';
    while (*Length)
        *p++ = *Length++;
    *p++ = Conv;
    *p = 0;
}

static void PutInteger(WSKSHARP_SINK *Sink, const SPEC *Spec, char Conv, va_list *Args)
{
    BOOLEAN wide64 = Spec->Size == SZ_LL || Spec->Size == SZ_I64 || Spec->Size == SZ_PTR;
    unsigned long long raw = wide64 ? (unsigned long long)va_arg(*Args, long long)
                                    : (unsigned long long)(unsigned)va_arg(*Args, int);
    BOOLEAN isSigned = Conv == 'd' || Conv == 'i';
    long long value;
    switch (wide64 ? SZ_LL : Spec->Size) {
    case SZ_LL: value = isSigned ? (long long)raw : (long long)raw; break;
    case SZ_HH: value = isSigned ? (long long)(signed char)raw : (long long)(unsigned char)raw; break;
    case SZ_H: value = isSigned ? (long long)(short)raw : (long long)(unsigned short)raw; break;
    default: value = isSigned ? (long long)(int)raw : (long long)(unsigned)raw; break;
    }
    char fmt[24], out[MAX_FIELD + 64];
    int width = Spec->Width > MAX_FIELD ? MAX_FIELD : Spec->Width;
    int precision = Spec->Precision > MAX_FIELD ? MAX_FIELD : Spec->Precision;
    CFormat(fmt, Spec, "ll", Conv == 'i' ? 'd' : Conv);
    int n = isSigned ? snprintf(out, sizeof out, fmt, width, precision, value)
                     : snprintf(out, sizeof out, fmt, width, precision, (unsigned long long)value);
    if (n > 0)
        PutAscii(Sink, out, (size_t)n < sizeof out ? (size_t)n : sizeof out - 1);
}

static void PutFloat(WSKSHARP_SINK *Sink, const SPEC *Spec, char Conv, va_list *Args)
{
    char fmt[24], out[MAX_FIELD + 400];
    int width = Spec->Width > MAX_FIELD ? MAX_FIELD : Spec->Width;
    int precision = Spec->Precision > MAX_FIELD ? MAX_FIELD : Spec->Precision;
    int n;
    if (Spec->Size == SZ_LONGDOUBLE) {
        CFormat(fmt, Spec, "L", Conv);
        n = snprintf(out, sizeof out, fmt, width, precision, va_arg(*Args, long double));
    } else {
        CFormat(fmt, Spec, "", Conv);
        n = snprintf(out, sizeof out, fmt, width, precision, va_arg(*Args, double));
    }
    if (n > 0)
        PutAscii(Sink, out, (size_t)n < sizeof out ? (size_t)n : sizeof out - 1);
}

static void PutPointer(WSKSHARP_SINK *Sink, const SPEC *Spec, va_list *Args)
{
    char out[24];
    int n = snprintf(out, sizeof out, "%016llX", (unsigned long long)(ULONG_PTR)va_arg(*Args, void *));
    SPEC plain = { Spec->Flags & F_MINUS, Spec->Width, -1, SZ_NONE };
    PutString(Sink, out, FALSE, (size_t)n, &plain);
}

void WskSharpFormat(WSKSHARP_SINK *Sink, const void *Format, BOOLEAN FormatWide, va_list *Args)
{
    const unsigned char *narrow = Format;
    const WCHAR *wide = Format;
#define AT(i) (FormatWide ? (unsigned)wide[i] : (unsigned)narrow[i])
    size_t i = 0;
    while (AT(i) != 0) {
        unsigned c = AT(i++);
        if (c != '%') {
            PutUnit(Sink, c);
            continue;
        }
        size_t specStart = i - 1;
        SPEC spec = { 0, 0, -1, SZ_NONE };
        for (;; i++) {
            unsigned f = AT(i);
            if (f == '-') spec.Flags |= F_MINUS;
            else if (f == '+') spec.Flags |= F_PLUS;
            else if (f == ' ') spec.Flags |= F_SPACE;
            else if (f == '#') spec.Flags |= F_HASH;
            else if (f == '0') spec.Flags |= F_ZERO;
            else break;
        }
        if (AT(i) == '*') {
            i++;
            spec.Width = va_arg(*Args, int);
            if (spec.Width < 0) {
                spec.Flags |= F_MINUS;
                spec.Width = -spec.Width;
            }
        } else {
            while (AT(i) >= '0' && AT(i) <= '9')
                spec.Width = spec.Width * 10 + (int)(AT(i++) - '0');
        }
        if (AT(i) == '.') {
            i++;
            spec.Precision = 0;
            if (AT(i) == '*') {
                i++;
                spec.Precision = va_arg(*Args, int);
                if (spec.Precision < 0)
                    spec.Precision = -1;
            } else {
                while (AT(i) >= '0' && AT(i) <= '9')
                    spec.Precision = spec.Precision * 10 + (int)(AT(i++) - '0');
            }
        }
        switch (AT(i)) {
        case 'h': i++; if (AT(i) == 'h') { i++; spec.Size = SZ_HH; } else spec.Size = SZ_H; break;
        case 'l': i++; if (AT(i) == 'l') { i++; spec.Size = SZ_LL; } else spec.Size = SZ_L; break;
        case 'w': i++; spec.Size = SZ_W; break;
        case 'L': i++; spec.Size = SZ_LONGDOUBLE; break;
        case 'j': i++; spec.Size = SZ_LL; break;
        case 'z': case 't': i++; spec.Size = SZ_PTR; break;
        case 'I':
            if (AT(i + 1) == '6' && AT(i + 2) == '4') { i += 3; spec.Size = SZ_I64; }
            else if (AT(i + 1) == '3' && AT(i + 2) == '2') { i += 3; spec.Size = SZ_I32; }
            else { i++; spec.Size = SZ_PTR; }
            break;
        default: break;
        }
        unsigned conv = AT(i);
        if (conv == 0)
            break;
        i++;
        /* Which width a %s/%c argument has: explicit h/l/w first, then the case rule of the format's width. */
        BOOLEAN wideArg = spec.Size == SZ_W || spec.Size == SZ_L ? TRUE
            : spec.Size == SZ_H ? FALSE
            : (conv == 's' || conv == 'c') ? FormatWide : !FormatWide;
        switch (conv) {
        case '%':
            PutUnit(Sink, '%');
            break;
        case 'd': case 'i': case 'u': case 'o': case 'x': case 'X':
            PutInteger(Sink, &spec, (char)conv, Args);
            break;
        case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': case 'a': case 'A':
            PutFloat(Sink, &spec, (char)conv, Args);
            break;
        case 'p':
            PutPointer(Sink, &spec, Args);
            break;
        case 'c': case 'C': {
            unsigned unit = (unsigned)va_arg(*Args, int);
            unit = wideArg ? (unit & 0xffff) : (unit & 0xff);
            if (wideArg) {
                WCHAR w = (WCHAR)unit;
                PutString(Sink, &w, TRUE, 1, &(SPEC){ spec.Flags, spec.Width, -1, 0 });
            } else {
                char n = (char)unit;
                PutString(Sink, &n, FALSE, 1, &(SPEC){ spec.Flags, spec.Width, -1, 0 });
            }
            break;
        }
        case 's': case 'S': {
            const void *s = va_arg(*Args, const void *);
            if (s == NULL)
                PutNull(Sink, &spec);
            else if (wideArg)
                PutString(Sink, s, TRUE, WideLength(s, spec.Precision), &spec);
            else
                PutString(Sink, s, FALSE, NarrowLength(s, spec.Precision), &spec);
            break;
        }
        case 'Z': {
            /* %wZ: PUNICODE_STRING (Length in bytes); %Z: PANSI_STRING. Neither needs a terminator. */
            if (spec.Size == SZ_W || spec.Size == SZ_L) {
                PCUNICODE_STRING u = va_arg(*Args, PCUNICODE_STRING);
                if (u == NULL || u->Buffer == NULL)
                    PutNull(Sink, &spec);
                else
                    PutString(Sink, u->Buffer, TRUE, u->Length / sizeof(WCHAR), &spec);
            } else {
                PCANSI_STRING a = va_arg(*Args, PCANSI_STRING);
                if (a == NULL || a->Buffer == NULL)
                    PutNull(Sink, &spec);
                else
                    PutString(Sink, a->Buffer, FALSE, a->Length, &spec);
            }
            break;
        }
        case 'n':
            /* Refused, as the safe string functions do: writing through an argument is an attack vector. */
            (void)va_arg(*Args, void *);
            break;
        default:
            /* Unknown conversion: printed as written so the mistake is visible. */
            for (size_t k = specStart; k < i; k++)
                PutUnit(Sink, AT(k));
            break;
        }
    }
#undef AT
}
