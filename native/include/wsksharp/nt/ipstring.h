/* IPv4/IPv6 text conversions (ip2string.h). Parsers return STATUS_INVALID_PARAMETER on bad input and set
 * *Terminator to the first character they could not use; on success *Terminator is the character after the
 * address. Ports are in network byte order, scope ids in host order. */
#ifndef WSKSHARP_NT_IPSTRING_H
#define WSKSHARP_NT_IPSTRING_H

#include "../ntdef.h"
#include "inaddr.h"

WSKSHARP_BEGIN_DECLS

#define INET_ADDRSTRLEN 22
#define INET6_ADDRSTRLEN 65

WSKSHARP_API NTSTATUS RtlIpv4StringToAddressA(PCSTR S, BOOLEAN Strict, PCSTR *Terminator, struct in_addr *Addr);
WSKSHARP_API NTSTATUS RtlIpv4StringToAddressW(PCWSTR S, BOOLEAN Strict, PCWSTR *Terminator, struct in_addr *Addr);
WSKSHARP_API NTSTATUS RtlIpv4StringToAddressExA(PCSTR AddressString, BOOLEAN Strict, struct in_addr *Address,
    PUSHORT Port);
WSKSHARP_API NTSTATUS RtlIpv4StringToAddressExW(PCWSTR AddressString, BOOLEAN Strict, struct in_addr *Address,
    PUSHORT Port);
WSKSHARP_API PSTR RtlIpv4AddressToStringA(const struct in_addr *Addr, PSTR S);
WSKSHARP_API PWSTR RtlIpv4AddressToStringW(const struct in_addr *Addr, PWSTR S);
WSKSHARP_API NTSTATUS RtlIpv4AddressToStringExA(const struct in_addr *Address, USHORT Port, PSTR AddressString,
    PULONG AddressStringLength);
WSKSHARP_API NTSTATUS RtlIpv4AddressToStringExW(const struct in_addr *Address, USHORT Port, PWSTR AddressString,
    PULONG AddressStringLength);

WSKSHARP_API NTSTATUS RtlIpv6StringToAddressA(PCSTR S, PCSTR *Terminator, struct in6_addr *Addr);
WSKSHARP_API NTSTATUS RtlIpv6StringToAddressW(PCWSTR S, PCWSTR *Terminator, struct in6_addr *Addr);
WSKSHARP_API NTSTATUS RtlIpv6StringToAddressExA(PCSTR AddressString, struct in6_addr *Address, PULONG ScopeId,
    PUSHORT Port);
WSKSHARP_API NTSTATUS RtlIpv6StringToAddressExW(PCWSTR AddressString, struct in6_addr *Address, PULONG ScopeId,
    PUSHORT Port);
WSKSHARP_API PSTR RtlIpv6AddressToStringA(const struct in6_addr *Addr, PSTR S);
WSKSHARP_API PWSTR RtlIpv6AddressToStringW(const struct in6_addr *Addr, PWSTR S);
WSKSHARP_API NTSTATUS RtlIpv6AddressToStringExA(const struct in6_addr *Address, ULONG ScopeId, USHORT Port,
    PSTR AddressString, PULONG AddressStringLength);
WSKSHARP_API NTSTATUS RtlIpv6AddressToStringExW(const struct in6_addr *Address, ULONG ScopeId, USHORT Port,
    PWSTR AddressString, PULONG AddressStringLength);

WSKSHARP_END_DECLS

#endif /* WSKSHARP_NT_IPSTRING_H */
