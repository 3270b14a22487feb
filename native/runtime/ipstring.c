/* IPv4/IPv6 text conversions with Windows' rules: the plain parsers stop at the first character that cannot
 * continue the address and report it through Terminator (success when a whole address came before it); the
 * Ex parsers need the whole string (with an optional port, and scope for IPv6). Non-strict IPv4 accepts the
 * inet_aton forms (1 to 4 parts; octal with a leading 0, hex with 0x). Output is Windows' style: IPv6 in lower
 * case with the longest run (two or more) of zero groups as "::", IPv4-embedded forms in dotted decimal. */
#include "internal.h"

#include <string.h>

typedef struct TEXT {
    const void *P;
    BOOLEAN Wide;
} TEXT;

static unsigned At(TEXT t, size_t i)
{
    return t.Wide ? (unsigned)((const WCHAR *)t.P)[i] : (unsigned)((const unsigned char *)t.P)[i];
}

static int HexValue(unsigned c)
{
    if (c >= '0' && c <= '9') return (int)(c - '0');
    if (c >= 'a' && c <= 'f') return (int)(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return (int)(c - 'A' + 10);
    return -1;
}

/* Parses an IPv4 address at t[start]; *End is where parsing stopped. Returns success. */
static BOOLEAN ParseIpv4(TEXT t, size_t start, BOOLEAN Strict, size_t *End, ULONG *HostOrder)
{
    ULONGLONG parts[4];
    int count = 0;
    size_t i = start;
    for (;;) {
        unsigned base = 10;
        size_t digitsStart = i;
        if (!Strict && At(t, i) == '0' && (At(t, i + 1) == 'x' || At(t, i + 1) == 'X')) {
            base = 16;
            i += 2;
            digitsStart = i;
        } else if (!Strict && At(t, i) == '0' && At(t, i + 1) >= '0' && At(t, i + 1) <= '9') {
            base = 8;
        }
        ULONGLONG value = 0;
        for (;;) {
            int d = HexValue(At(t, i));
            if (d < 0 || (unsigned)d >= base)
                break;
            value = value * base + (unsigned)d;
            i++;
            if (value > 0xffffffffULL) {
                *End = i;
                return FALSE;
            }
        }
        if (i == digitsStart) {
            *End = i;
            return FALSE;
        }
        /* An octal number may not carry 8 or 9 (it would be read as decimal elsewhere): refuse it. */
        if (base == 8 && (At(t, i) == '8' || At(t, i) == '9')) {
            *End = i;
            return FALSE;
        }
        /* A part before a dot is one byte: refused where it ends. */
        if (count < 3 && At(t, i) == '.' && value > 0xff) {
            *End = i;
            return FALSE;
        }
        parts[count++] = value;
        if (count < 4 && At(t, i) == '.') {
            i++;
            continue;
        }
        break;
    }
    *End = i;
    if (Strict && count != 4)
        return FALSE;
    for (int k = 0; k < count - 1; k++)
        if (parts[k] > 0xff)
            return FALSE;
    ULONGLONG last = parts[count - 1];
    ULONGLONG lastMax = count == 1 ? 0xffffffffULL : count == 2 ? 0xffffffULL : count == 3 ? 0xffffULL : 0xffULL;
    if (last > lastMax)
        return FALSE;
    ULONG v = 0;
    for (int k = 0; k < count - 1; k++)
        v |= (ULONG)parts[k] << (24 - 8 * k);
    v |= (ULONG)last;
    *HostOrder = v;
    return TRUE;
}

static void StoreIpv4(struct in_addr *Addr, ULONG HostOrder)
{
    Addr->S_un.S_un_b.s_b1 = (UCHAR)(HostOrder >> 24);
    Addr->S_un.S_un_b.s_b2 = (UCHAR)(HostOrder >> 16);
    Addr->S_un.S_un_b.s_b3 = (UCHAR)(HostOrder >> 8);
    Addr->S_un.S_un_b.s_b4 = (UCHAR)HostOrder;
}

/* A decimal port or scope id; *Value must fit Max. */
static BOOLEAN ParseDecimal(TEXT t, size_t *i, ULONG Max, ULONG *Value)
{
    size_t start = *i;
    ULONGLONG v = 0;
    while (At(t, *i) >= '0' && At(t, *i) <= '9') {
        v = v * 10 + (At(t, *i) - '0');
        (*i)++;
        if (v > Max)
            return FALSE;
    }
    *Value = (ULONG)v;
    return *i > start;
}

static NTSTATUS Ipv4ToAddress(TEXT t, BOOLEAN Strict, size_t *Terminator, struct in_addr *Addr)
{
    ULONG v;
    if (!ParseIpv4(t, 0, Strict, Terminator, &v))
        return STATUS_INVALID_PARAMETER;
    StoreIpv4(Addr, v);
    return STATUS_SUCCESS;
}

static NTSTATUS Ipv4ToAddressEx(TEXT t, BOOLEAN Strict, struct in_addr *Address, PUSHORT Port)
{
    size_t i;
    ULONG v, port = 0;
    if (Address == NULL || Port == NULL || !ParseIpv4(t, 0, Strict, &i, &v))
        return STATUS_INVALID_PARAMETER;
    if (At(t, i) == ':') {
        i++;
        if (!ParseDecimal(t, &i, 0xffff, &port))
            return STATUS_INVALID_PARAMETER;
    }
    if (At(t, i) != 0)
        return STATUS_INVALID_PARAMETER;
    StoreIpv4(Address, v);
    *Port = RtlUshortByteSwap((USHORT)port);
    return STATUS_SUCCESS;
}

/* Parses an IPv6 address at t[0]; *End is where parsing stopped. */
static BOOLEAN ParseIpv6(TEXT t, size_t start, size_t *End, USHORT Words[8])
{
    USHORT head[8], tail[8];
    int nHead = 0, nTail = 0;
    BOOLEAN compressed = FALSE;
    size_t i = start;
    if (At(t, i) == ':') {
        if (At(t, i + 1) != ':') {
            *End = i;
            return FALSE;
        }
        compressed = TRUE;
        i += 2;
        if (At(t, i) == ':') {
            *End = i;
            return FALSE;
        }
    }
    for (;;) {
        int groups = nHead + nTail;
        if (HexValue(At(t, i)) < 0)
            break; /* after "::" an address may end; otherwise a group was required (checked below) */
        size_t groupStart = i;
        unsigned value = 0;
        int digits = 0;
        while (HexValue(At(t, i)) >= 0) {
            value = value * 16 + (unsigned)HexValue(At(t, i));
            i++;
            if (++digits > 4) {
                *End = i;
                return FALSE;
            }
        }
        if (At(t, i) == '.') {
            /* An embedded IPv4 address takes the last two groups. */
            ULONG v4;
            if (groups > 6 || (compressed && groups > 5) || !ParseIpv4(t, groupStart, TRUE, &i, &v4)) {
                *End = i;
                return FALSE;
            }
            USHORT *list = compressed ? tail : head;
            int *n = compressed ? &nTail : &nHead;
            list[(*n)++] = (USHORT)(v4 >> 16);
            list[(*n)++] = (USHORT)v4;
            break;
        }
        if (groups >= 8 || (compressed && groups >= 7)) {
            *End = groupStart;
            return FALSE;
        }
        if (compressed)
            tail[nTail++] = (USHORT)value;
        else
            head[nHead++] = (USHORT)value;
        if (At(t, i) != ':')
            break;
        if (At(t, i + 1) == ':') {
            if (compressed) {
                *End = i + 1;
                return FALSE;
            }
            compressed = TRUE;
            i += 2;
            if (At(t, i) == ':') { /* ":::" */
                *End = i;
                return FALSE;
            }
            continue;
        }
        i++;
        if (HexValue(At(t, i)) < 0) { /* a single ':' must be followed by a group */
            *End = i;
            return FALSE;
        }
    }
    *End = i;
    if (!compressed && nHead != 8)
        return FALSE;
    int zeros = 8 - nHead - nTail;
    if (compressed && zeros < 1)
        return FALSE;
    int k = 0;
    for (int j = 0; j < nHead; j++)
        Words[k++] = head[j];
    for (int j = 0; compressed && j < zeros; j++)
        Words[k++] = 0;
    for (int j = 0; j < nTail; j++)
        Words[k++] = tail[j];
    return TRUE;
}

static void StoreIpv6(struct in6_addr *Addr, const USHORT Words[8])
{
    for (int k = 0; k < 8; k++) {
        Addr->u.Byte[2 * k] = (UCHAR)(Words[k] >> 8);
        Addr->u.Byte[2 * k + 1] = (UCHAR)Words[k];
    }
}

static NTSTATUS Ipv6ToAddress(TEXT t, size_t *Terminator, struct in6_addr *Addr)
{
    USHORT words[8];
    if (!ParseIpv6(t, 0, Terminator, words))
        return STATUS_INVALID_PARAMETER;
    StoreIpv6(Addr, words);
    return STATUS_SUCCESS;
}

static NTSTATUS Ipv6ToAddressEx(TEXT t, struct in6_addr *Address, PULONG ScopeId, PUSHORT Port)
{
    if (Address == NULL || ScopeId == NULL || Port == NULL)
        return STATUS_INVALID_PARAMETER;
    size_t i = 0;
    BOOLEAN bracket = At(t, 0) == '[';
    if (bracket)
        i++;
    USHORT words[8];
    ULONG scope = 0, port = 0;
    if (!ParseIpv6(t, i, &i, words))
        return STATUS_INVALID_PARAMETER;
    if (At(t, i) == '%') {
        i++;
        if (!ParseDecimal(t, &i, 0xffffffffu, &scope))
            return STATUS_INVALID_PARAMETER;
    }
    if (bracket) {
        if (At(t, i) != ']')
            return STATUS_INVALID_PARAMETER;
        i++;
        if (At(t, i) == ':') {
            i++;
            if (!ParseDecimal(t, &i, 0xffff, &port))
                return STATUS_INVALID_PARAMETER;
        }
    }
    if (At(t, i) != 0)
        return STATUS_INVALID_PARAMETER;
    StoreIpv6(Address, words);
    *ScopeId = scope;
    *Port = RtlUshortByteSwap((USHORT)port);
    return STATUS_SUCCESS;
}

/* ---- formatting (ASCII first, then copied to the caller's width) ---- */
static int FormatIpv4(char *Out, size_t Size, const struct in_addr *a)
{
    return snprintf(Out, Size, "%u.%u.%u.%u", a->S_un.S_un_b.s_b1, a->S_un.S_un_b.s_b2, a->S_un.S_un_b.s_b3,
        a->S_un.S_un_b.s_b4);
}

static int FormatIpv6(char *Out, size_t Size, const struct in6_addr *a)
{
    USHORT w[8];
    for (int k = 0; k < 8; k++)
        w[k] = (USHORT)((a->u.Byte[2 * k] << 8) | a->u.Byte[2 * k + 1]);
    const UCHAR *b = a->u.Byte;
    BOOLEAN first80Zero = w[0] == 0 && w[1] == 0 && w[2] == 0 && w[3] == 0 && w[4] == 0;
    int n = 0;
    /* IPv4-embedded forms: mapped, translated, compatible (not :: or ::1), ISATAP. */
    if (first80Zero && w[5] == 0xffff)
        return snprintf(Out, Size, "::ffff:%u.%u.%u.%u", b[12], b[13], b[14], b[15]);
    if (w[0] == 0 && w[1] == 0 && w[2] == 0 && w[3] == 0 && w[4] == 0xffff && w[5] == 0)
        return snprintf(Out, Size, "::ffff:0:%u.%u.%u.%u", b[12], b[13], b[14], b[15]);
    if (first80Zero && w[5] == 0 && (w[6] != 0 || w[7] > 1))
        return snprintf(Out, Size, "::%u.%u.%u.%u", b[12], b[13], b[14], b[15]);
    BOOLEAN isatap = (w[4] == 0 || w[4] == 0x200) && w[5] == 0x5efe;
    int groups = isatap ? 6 : 8;
    int bestStart = -1, bestLength = 1;
    for (int k = 0; k < groups;) {
        if (w[k] != 0) {
            k++;
            continue;
        }
        int s = k;
        while (k < groups && w[k] == 0)
            k++;
        if (k - s > bestLength) {
            bestStart = s;
            bestLength = k - s;
        }
    }
    for (int k = 0; k < groups; k++) {
        if (k == bestStart) {
            n += snprintf(Out + n, Size - (size_t)n, "::");
            k += bestLength - 1;
            continue;
        }
        BOOLEAN afterGap = k > 0 && k == bestStart + bestLength;
        n += snprintf(Out + n, Size - (size_t)n, "%s%x", (k == 0 || afterGap) ? "" : ":", w[k]);
    }
    if (isatap)
        n += snprintf(Out + n, Size - (size_t)n, "%s%u.%u.%u.%u", bestStart + bestLength == groups ? "" : ":", b[12],
            b[13], b[14], b[15]);
    return n;
}

static void CopyOut(void *Dest, BOOLEAN Wide, const char *Text, size_t Length)
{
    for (size_t i = 0; i <= Length; i++) {
        if (Wide)
            ((WCHAR *)Dest)[i] = (WCHAR)(unsigned char)Text[i];
        else
            ((char *)Dest)[i] = Text[i];
    }
}

/* The Ex forms: *Length is the buffer size in characters on entry, the size needed (with the terminator) on
 * return; too small is STATUS_INVALID_PARAMETER. */
static NTSTATUS FinishEx(const char *Text, int n, void *Dest, BOOLEAN Wide, PULONG Length)
{
    if (Length == NULL)
        return STATUS_INVALID_PARAMETER;
    ULONG needed = (ULONG)n + 1;
    if (Dest == NULL || *Length < needed) {
        *Length = needed;
        return STATUS_INVALID_PARAMETER;
    }
    CopyOut(Dest, Wide, Text, (size_t)n);
    *Length = needed;
    return STATUS_SUCCESS;
}

static NTSTATUS Ipv4ToStringEx(const struct in_addr *Address, USHORT Port, void *Dest, BOOLEAN Wide, PULONG Length)
{
    char text[32];
    if (Address == NULL)
        return STATUS_INVALID_PARAMETER;
    int n = FormatIpv4(text, sizeof text, Address);
    if (Port != 0)
        n += snprintf(text + n, sizeof text - (size_t)n, ":%u", RtlUshortByteSwap(Port));
    return FinishEx(text, n, Dest, Wide, Length);
}

static NTSTATUS Ipv6ToStringEx(const struct in6_addr *Address, ULONG ScopeId, USHORT Port, void *Dest,
    BOOLEAN Wide, PULONG Length)
{
    char addr[64], text[96];
    if (Address == NULL)
        return STATUS_INVALID_PARAMETER;
    FormatIpv6(addr, sizeof addr, Address);
    char scope[16] = "";
    if (ScopeId != 0)
        snprintf(scope, sizeof scope, "%%%u", (unsigned)ScopeId);
    int n = Port != 0 ? snprintf(text, sizeof text, "[%s%s]:%u", addr, scope, RtlUshortByteSwap(Port))
                      : snprintf(text, sizeof text, "%s%s", addr, scope);
    return FinishEx(text, n, Dest, Wide, Length);
}

/* ---- exported ---- */
WSKSHARP_API NTSTATUS RtlIpv4StringToAddressA(PCSTR S, BOOLEAN Strict, PCSTR *Terminator, struct in_addr *Addr)
{
    size_t end;
    NTSTATUS s = Ipv4ToAddress((TEXT){ S, FALSE }, Strict, &end, Addr);
    *Terminator = S + end;
    return s;
}

WSKSHARP_API NTSTATUS RtlIpv4StringToAddressW(PCWSTR S, BOOLEAN Strict, PCWSTR *Terminator, struct in_addr *Addr)
{
    size_t end;
    NTSTATUS s = Ipv4ToAddress((TEXT){ S, TRUE }, Strict, &end, Addr);
    *Terminator = S + end;
    return s;
}

WSKSHARP_API NTSTATUS RtlIpv4StringToAddressExA(PCSTR AddressString, BOOLEAN Strict, struct in_addr *Address,
    PUSHORT Port)
{
    return AddressString ? Ipv4ToAddressEx((TEXT){ AddressString, FALSE }, Strict, Address, Port)
                         : STATUS_INVALID_PARAMETER;
}

WSKSHARP_API NTSTATUS RtlIpv4StringToAddressExW(PCWSTR AddressString, BOOLEAN Strict, struct in_addr *Address,
    PUSHORT Port)
{
    return AddressString ? Ipv4ToAddressEx((TEXT){ AddressString, TRUE }, Strict, Address, Port)
                         : STATUS_INVALID_PARAMETER;
}

WSKSHARP_API PSTR RtlIpv4AddressToStringA(const struct in_addr *Addr, PSTR S)
{
    char text[32];
    int n = FormatIpv4(text, sizeof text, Addr);
    CopyOut(S, FALSE, text, (size_t)n);
    return S + n;
}

WSKSHARP_API PWSTR RtlIpv4AddressToStringW(const struct in_addr *Addr, PWSTR S)
{
    char text[32];
    int n = FormatIpv4(text, sizeof text, Addr);
    CopyOut(S, TRUE, text, (size_t)n);
    return S + n;
}

WSKSHARP_API NTSTATUS RtlIpv4AddressToStringExA(const struct in_addr *Address, USHORT Port, PSTR AddressString,
    PULONG AddressStringLength)
{
    return Ipv4ToStringEx(Address, Port, AddressString, FALSE, AddressStringLength);
}

WSKSHARP_API NTSTATUS RtlIpv4AddressToStringExW(const struct in_addr *Address, USHORT Port, PWSTR AddressString,
    PULONG AddressStringLength)
{
    return Ipv4ToStringEx(Address, Port, AddressString, TRUE, AddressStringLength);
}

WSKSHARP_API NTSTATUS RtlIpv6StringToAddressA(PCSTR S, PCSTR *Terminator, struct in6_addr *Addr)
{
    size_t end;
    NTSTATUS s = Ipv6ToAddress((TEXT){ S, FALSE }, &end, Addr);
    *Terminator = S + end;
    return s;
}

WSKSHARP_API NTSTATUS RtlIpv6StringToAddressW(PCWSTR S, PCWSTR *Terminator, struct in6_addr *Addr)
{
    size_t end;
    NTSTATUS s = Ipv6ToAddress((TEXT){ S, TRUE }, &end, Addr);
    *Terminator = S + end;
    return s;
}

WSKSHARP_API NTSTATUS RtlIpv6StringToAddressExA(PCSTR AddressString, struct in6_addr *Address, PULONG ScopeId,
    PUSHORT Port)
{
    return AddressString ? Ipv6ToAddressEx((TEXT){ AddressString, FALSE }, Address, ScopeId, Port)
                         : STATUS_INVALID_PARAMETER;
}

WSKSHARP_API NTSTATUS RtlIpv6StringToAddressExW(PCWSTR AddressString, struct in6_addr *Address, PULONG ScopeId,
    PUSHORT Port)
{
    return AddressString ? Ipv6ToAddressEx((TEXT){ AddressString, TRUE }, Address, ScopeId, Port)
                         : STATUS_INVALID_PARAMETER;
}

WSKSHARP_API PSTR RtlIpv6AddressToStringA(const struct in6_addr *Addr, PSTR S)
{
    char text[64];
    int n = FormatIpv6(text, sizeof text, Addr);
    CopyOut(S, FALSE, text, (size_t)n);
    return S + n;
}

WSKSHARP_API PWSTR RtlIpv6AddressToStringW(const struct in6_addr *Addr, PWSTR S)
{
    char text[64];
    int n = FormatIpv6(text, sizeof text, Addr);
    CopyOut(S, TRUE, text, (size_t)n);
    return S + n;
}

WSKSHARP_API NTSTATUS RtlIpv6AddressToStringExA(const struct in6_addr *Address, ULONG ScopeId, USHORT Port,
    PSTR AddressString, PULONG AddressStringLength)
{
    return Ipv6ToStringEx(Address, ScopeId, Port, AddressString, FALSE, AddressStringLength);
}

WSKSHARP_API NTSTATUS RtlIpv6AddressToStringExW(const struct in6_addr *Address, ULONG ScopeId, USHORT Port,
    PWSTR AddressString, PULONG AddressStringLength)
{
    return Ipv6ToStringEx(Address, ScopeId, Port, AddressString, TRUE, AddressStringLength);
}
