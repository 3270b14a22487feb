/* IPv4/IPv6 text conversions: round trips, Windows' output forms, and refusals with the terminator. */
#include "harness.h"

static const char *V4(const struct in_addr *a)
{
    static char text[INET_ADDRSTRLEN];
    RtlIpv4AddressToStringA(a, text);
    return text;
}

static const char *V6(const struct in6_addr *a)
{
    static char text[INET6_ADDRSTRLEN];
    RtlIpv6AddressToStringA(a, text);
    return text;
}

TEST(ipv4_parse_strict_and_terminator)
{
    struct in_addr a;
    PCSTR term;
    const char *s = "192.168.1.20";
    EXPECT_STATUS(RtlIpv4StringToAddressA(s, TRUE, &term, &a), STATUS_SUCCESS);
    EXPECT(term == s + strlen(s));
    EXPECT(a.S_un.S_un_b.s_b1 == 192 && a.S_un.S_un_b.s_b4 == 20);
    EXPECT(a.s_addr == RtlUlongByteSwap(0xc0a80114)); /* network order */
    s = "10.0.0.1:80";
    EXPECT_STATUS(RtlIpv4StringToAddressA(s, TRUE, &term, &a), STATUS_SUCCESS);
    EXPECT(*term == ':');
    EXPECT_STR(V4(&a), "10.0.0.1");
}

TEST(ipv4_refusals_point_at_the_problem)
{
    struct in_addr a;
    PCSTR term;
    static const struct { const char *Input; size_t At; } cases[] = {
        /* input, and where the terminator must point */
        { "256.1.1.1", 3 },
        { "1..2.3", 2 },
        { "", 0 },
        { "abc", 0 },
        { "1.2.3.", 6 },
        { "1.2.3.256", 9 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        EXPECT_STATUS(RtlIpv4StringToAddressA(cases[i].Input, FALSE, &term, &a), STATUS_INVALID_PARAMETER);
        EXPECT(term == cases[i].Input + cases[i].At);
    }
    EXPECT_STATUS(RtlIpv4StringToAddressA("1.2.3", TRUE, &term, &a), STATUS_INVALID_PARAMETER);
}

TEST(ipv4_non_strict_forms)
{
    struct in_addr a;
    PCSTR term;
    EXPECT_STATUS(RtlIpv4StringToAddressA("1.2.3", FALSE, &term, &a), STATUS_SUCCESS);
    EXPECT_STR(V4(&a), "1.2.0.3");
    EXPECT_STATUS(RtlIpv4StringToAddressA("0x7f.1", FALSE, &term, &a), STATUS_SUCCESS);
    EXPECT_STR(V4(&a), "127.0.0.1");
    EXPECT_STATUS(RtlIpv4StringToAddressA("010.0.0.1", FALSE, &term, &a), STATUS_SUCCESS);
    EXPECT_STR(V4(&a), "8.0.0.1");
    EXPECT_STATUS(RtlIpv4StringToAddressA("010.0.0.1", TRUE, &term, &a), STATUS_SUCCESS);
    EXPECT_STR(V4(&a), "10.0.0.1");
    EXPECT_STATUS(RtlIpv4StringToAddressA("3232235777", FALSE, &term, &a), STATUS_SUCCESS);
    EXPECT_STR(V4(&a), "192.168.1.1");
}

TEST(ipv4_ex_ports_and_wide)
{
    struct in_addr a;
    USHORT port;
    EXPECT_STATUS(RtlIpv4StringToAddressExA("10.1.2.3:8080", TRUE, &a, &port), STATUS_SUCCESS);
    EXPECT(port == RtlUshortByteSwap(8080));
    EXPECT_STATUS(RtlIpv4StringToAddressExA("10.1.2.3", TRUE, &a, &port), STATUS_SUCCESS);
    EXPECT(port == 0);
    EXPECT_STATUS(RtlIpv4StringToAddressExA("10.1.2.3:", TRUE, &a, &port), STATUS_INVALID_PARAMETER);
    EXPECT_STATUS(RtlIpv4StringToAddressExA("10.1.2.3:65536", TRUE, &a, &port), STATUS_INVALID_PARAMETER);
    EXPECT_STATUS(RtlIpv4StringToAddressExA("10.1.2.3x", TRUE, &a, &port), STATUS_INVALID_PARAMETER);
    EXPECT_STATUS(RtlIpv4StringToAddressExW(L"127.0.0.1:1", TRUE, &a, &port), STATUS_SUCCESS);
    WCHAR wide[INET_ADDRSTRLEN];
    PWSTR end = RtlIpv4AddressToStringW(&a, wide);
    EXPECT_WSTR(wide, "127.0.0.1");
    EXPECT(end == wide + 9 && *end == 0);
    PCWSTR term;
    EXPECT_STATUS(RtlIpv4StringToAddressW(L"9.8.7.6 ", TRUE, &term, &a), STATUS_SUCCESS);
    EXPECT(*term == L' ');

    char text[32];
    ULONG length = sizeof text;
    EXPECT_STATUS(RtlIpv4AddressToStringExA(&a, RtlUshortByteSwap(443), text, &length), STATUS_SUCCESS);
    EXPECT_STR(text, "9.8.7.6:443");
    EXPECT(length == 12);
    length = 5;
    EXPECT_STATUS(RtlIpv4AddressToStringExA(&a, 0, text, &length), STATUS_INVALID_PARAMETER);
    EXPECT(length == 8);
}

TEST(ipv6_round_trips_in_windows_form)
{
    const char *forms[] = {
        "::", "::1", "fe80::1", "2001:db8::8a2e:370:7334", "1:2:3:4:5:6:7:8", "1::", "::ffff:1.2.3.4",
        "2001:db8::1:0:0:1", "2001:db8:0:1:1:1:1:1", "::1.2.3.4", "fe80::5efe:10.0.0.1", "ff02::1:ff00:1",
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        struct in6_addr a;
        PCSTR term;
        EXPECT_STATUS(RtlIpv6StringToAddressA(forms[i], &term, &a), STATUS_SUCCESS);
        EXPECT(*term == 0);
        EXPECT_STR(V6(&a), forms[i]);
    }
    struct in6_addr a;
    PCSTR term;
    EXPECT_STATUS(RtlIpv6StringToAddressA("2001:0DB8:0000:0000:0000:0000:0000:0001", &term, &a), STATUS_SUCCESS);
    EXPECT_STR(V6(&a), "2001:db8::1");
    EXPECT(a.s6_addr[0] == 0x20 && a.s6_addr[1] == 0x01 && a.s6_addr[15] == 1);
}

TEST(ipv6_refusals_and_terminators)
{
    struct in6_addr a;
    PCSTR term;
    const char *s = ":1";
    EXPECT_STATUS(RtlIpv6StringToAddressA(s, &term, &a), STATUS_INVALID_PARAMETER);
    EXPECT(term == s);
    s = "1:::2";
    EXPECT_STATUS(RtlIpv6StringToAddressA(s, &term, &a), STATUS_INVALID_PARAMETER);
    EXPECT(term == s + 3);
    EXPECT_STATUS(RtlIpv6StringToAddressA("12345::", &term, &a), STATUS_INVALID_PARAMETER);
    EXPECT_STATUS(RtlIpv6StringToAddressA("1:2:3", &term, &a), STATUS_INVALID_PARAMETER);
    EXPECT_STATUS(RtlIpv6StringToAddressA("1:2:3:4:5:6:7:8:9", &term, &a), STATUS_INVALID_PARAMETER);
    EXPECT_STATUS(RtlIpv6StringToAddressA("1::2::3", &term, &a), STATUS_INVALID_PARAMETER);
    EXPECT_STATUS(RtlIpv6StringToAddressA("::1:", &term, &a), STATUS_INVALID_PARAMETER);
    s = "fe80::1%4";
    EXPECT_STATUS(RtlIpv6StringToAddressA(s, &term, &a), STATUS_SUCCESS);
    EXPECT(*term == '%');
}

TEST(ipv6_ex_scope_port_and_wide)
{
    struct in6_addr a;
    ULONG scope;
    USHORT port;
    EXPECT_STATUS(RtlIpv6StringToAddressExA("[fe80::1%4]:8080", &a, &scope, &port), STATUS_SUCCESS);
    EXPECT(scope == 4 && port == RtlUshortByteSwap(8080));
    EXPECT_STATUS(RtlIpv6StringToAddressExA("fe80::1%7", &a, &scope, &port), STATUS_SUCCESS);
    EXPECT(scope == 7 && port == 0);
    EXPECT_STATUS(RtlIpv6StringToAddressExA("[::1]", &a, &scope, &port), STATUS_SUCCESS);
    EXPECT_STATUS(RtlIpv6StringToAddressExA("[::1", &a, &scope, &port), STATUS_INVALID_PARAMETER);
    EXPECT_STATUS(RtlIpv6StringToAddressExA("::1]:80", &a, &scope, &port), STATUS_INVALID_PARAMETER);
    EXPECT_STATUS(RtlIpv6StringToAddressExW(L"[2001:db8::2]:443", &a, &scope, &port), STATUS_SUCCESS);
    char text[INET6_ADDRSTRLEN];
    ULONG length = sizeof text;
    EXPECT_STATUS(RtlIpv6AddressToStringExA(&a, 0, port, text, &length), STATUS_SUCCESS);
    EXPECT_STR(text, "[2001:db8::2]:443");
    EXPECT(length == strlen(text) + 1);
    length = sizeof text;
    EXPECT_STATUS(RtlIpv6AddressToStringExA(&a, 5, 0, text, &length), STATUS_SUCCESS);
    EXPECT_STR(text, "2001:db8::2%5");
    WCHAR wide[INET6_ADDRSTRLEN];
    length = 3;
    EXPECT_STATUS(RtlIpv6AddressToStringExW(&a, 0, 0, wide, &length), STATUS_INVALID_PARAMETER);
    EXPECT(length == 12);
    PWSTR end = RtlIpv6AddressToStringW(&a, wide);
    EXPECT_WSTR(wide, "2001:db8::2");
    EXPECT(*end == 0 && end == wide + 11);
    PCWSTR term;
    EXPECT_STATUS(RtlIpv6StringToAddressW(L"::2 rest", &term, &a), STATUS_SUCCESS);
    EXPECT(*term == L' ');
}
