/* ws2def.h: socket addresses, address families, levels and options with their Windows values and layouts (not
 * glibc's: AF_INET6 is 23, SOL_SOCKET 0xffff, ADDRINFOEXW keeps Windows' field order). A WSK client never includes
 * glibc's socket headers; the two sets of names cannot live in one translation unit. */
#ifndef WSKSHARP_WS2DEF_H
#define WSKSHARP_WS2DEF_H

#include "ntdef.h"
#include "nt/inaddr.h" /* IN_ADDR, IN6_ADDR: shared with the Rtl IP string conversions */

#if defined(_SYS_SOCKET_H) || defined(_NETINET_IN_H)
#error "ws2def.h has Windows socket values; glibc's <sys/socket.h>/<netinet/in.h> cannot be included with it"
#endif

WSKSHARP_BEGIN_DECLS

typedef USHORT ADDRESS_FAMILY;

#define AF_UNSPEC 0
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 23
#define PF_UNSPEC AF_UNSPEC
#define PF_INET AF_INET
#define PF_INET6 AF_INET6

#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_RAW 3

typedef enum {
    IPPROTO_HOPOPTS = 0,
    IPPROTO_ICMP = 1,
    IPPROTO_IGMP = 2,
    IPPROTO_IPV4 = 4,
    IPPROTO_TCP = 6,
    IPPROTO_UDP = 17,
    IPPROTO_IPV6 = 41,
    IPPROTO_ICMPV6 = 58,
    IPPROTO_RAW = 255
} IPPROTO, *PIPPROTO;
#define IPPROTO_IP 0

#define SOL_SOCKET 0xffff
#define SO_DEBUG 0x0001
#define SO_ACCEPTCONN 0x0002
#define SO_REUSEADDR 0x0004
#define SO_KEEPALIVE 0x0008
#define SO_DONTROUTE 0x0010
#define SO_BROADCAST 0x0020
#define SO_LINGER 0x0080
#define SO_OOBINLINE 0x0100
#define SO_EXCLUSIVEADDRUSE ((int)(~SO_REUSEADDR))
#define SO_SNDBUF 0x1001
#define SO_RCVBUF 0x1002
#define SO_SNDLOWAT 0x1003
#define SO_RCVLOWAT 0x1004
#define SO_SNDTIMEO 0x1005
#define SO_RCVTIMEO 0x1006
#define SO_ERROR 0x1007
#define SO_TYPE 0x1008
#define SO_CONDITIONAL_ACCEPT 0x3002 /* a listener's WskInspectEvent decides each connection */

/* IPPROTO_IP / IPPROTO_IPV6 packet information (ws2ipdef.h): a datagram's destination and interface. */
#define IP_PKTINFO 19
#define IPV6_PKTINFO 19

/* Receive flags a WskReceiveFrom reports in ControlFlags (ws2def.h). */
#define MSG_TRUNC 0x0100
#define MSG_CTRUNC 0x0200

/* IPPROTO_TCP options (ws2ipdef.h/mstcpip.h values). */
#define TCP_NODELAY 0x0001
#define TCP_EXPEDITED_1122 0x0002
#define TCP_KEEPALIVE 3
#define TCP_MAXSEG 4
#define TCP_MAXRT 5
#define TCP_STDURG 6
#define TCP_NOURG 7
#define TCP_ATMARK 8
#define TCP_NOSYNRETRIES 9
#define TCP_TIMESTAMPS 10
#define TCP_OFFLOAD_PREFERENCE 11
#define TCP_CONGESTION_ALGORITHM 12
#define TCP_DELAY_FIN_ACK 13
#define TCP_MAXRTMS 14
#define TCP_FASTOPEN 15
#define TCP_KEEPCNT 16
#define TCP_KEEPIDLE TCP_KEEPALIVE
#define TCP_KEEPINTVL 17

#define INADDR_ANY ((ULONG)0x00000000)
#define INADDR_LOOPBACK 0x7f000001
#define INADDR_BROADCAST ((ULONG)0xffffffff)
#define INADDR_NONE 0xffffffff

typedef struct sockaddr {
    ADDRESS_FAMILY sa_family;
    CHAR sa_data[14];
} SOCKADDR, *PSOCKADDR, *LPSOCKADDR;

typedef struct sockaddr_in {
    ADDRESS_FAMILY sin_family;
    USHORT sin_port;
    IN_ADDR sin_addr;
    CHAR sin_zero[8];
} SOCKADDR_IN, *PSOCKADDR_IN;

typedef struct {
    union {
        struct {
            ULONG Zone : 28;
            ULONG Level : 4;
        };
        ULONG Value;
    };
} SCOPE_ID, *PSCOPE_ID;

typedef struct sockaddr_in6 {
    ADDRESS_FAMILY sin6_family;
    USHORT sin6_port;
    ULONG sin6_flowinfo;
    IN6_ADDR sin6_addr;
    union {
        ULONG sin6_scope_id;
        SCOPE_ID sin6_scope_struct;
    };
} SOCKADDR_IN6, *PSOCKADDR_IN6, SOCKADDR_IN6_LH, *PSOCKADDR_IN6_LH;

#define _SS_MAXSIZE 128
#define _SS_ALIGNSIZE (sizeof(LONGLONG))
#define _SS_PAD1SIZE (_SS_ALIGNSIZE - sizeof(USHORT))
#define _SS_PAD2SIZE (_SS_MAXSIZE - (sizeof(USHORT) + _SS_PAD1SIZE + _SS_ALIGNSIZE))

typedef struct sockaddr_storage {
    ADDRESS_FAMILY ss_family;
    CHAR __ss_pad1[_SS_PAD1SIZE];
    LONGLONG __ss_align;
    CHAR __ss_pad2[_SS_PAD2SIZE];
} SOCKADDR_STORAGE, *PSOCKADDR_STORAGE, SOCKADDR_STORAGE_LH, *PSOCKADDR_STORAGE_LH;

typedef union _SOCKADDR_INET {
    SOCKADDR_IN Ipv4;
    SOCKADDR_IN6 Ipv6;
    ADDRESS_FAMILY si_family;
} SOCKADDR_INET, *PSOCKADDR_INET;

/* Control message header (WskSendEx/WskReceiveEx control information). */
typedef struct _WSACMSGHDR {
    SIZE_T cmsg_len;
    INT cmsg_level;
    INT cmsg_type;
} WSACMSGHDR, *PWSACMSGHDR, CMSGHDR, *PCMSGHDR;

/* Control message arithmetic (x64: header and data 8-aligned, the data 16 bytes after the header's start). */
#define WSA_CMSGDATA_ALIGN(length) (((length) + 7) & ~(SIZE_T)7)
#define WSA_CMSG_DATA(cmsg) ((PUCHAR)(cmsg) + WSA_CMSGDATA_ALIGN(sizeof(WSACMSGHDR)))
#define WSA_CMSG_LEN(length) (WSA_CMSGDATA_ALIGN(sizeof(WSACMSGHDR)) + (length))
#define WSA_CMSG_SPACE(length) WSA_CMSGDATA_ALIGN(sizeof(WSACMSGHDR) + (length))

/* IP_PKTINFO / IPV6_PKTINFO data (ws2ipdef.h): the datagram's local address and interface. */
typedef struct in_pktinfo {
    IN_ADDR ipi_addr;
    ULONG ipi_ifindex;
} IN_PKTINFO, *PIN_PKTINFO;

typedef struct in6_pktinfo {
    IN6_ADDR ipi6_addr;
    ULONG ipi6_ifindex;
} IN6_PKTINFO, *PIN6_PKTINFO;

/* Name resolution result, in Windows' field order (ai_canonname before ai_addr, unlike glibc's addrinfo). */
typedef struct addrinfoexW {
    int ai_flags;
    int ai_family;
    int ai_socktype;
    int ai_protocol;
    SIZE_T ai_addrlen;
    PWSTR ai_canonname;
    struct sockaddr *ai_addr;
    void *ai_blob;
    SIZE_T ai_bufferlen;
    LPGUID ai_provider;
    struct addrinfoexW *ai_next;
} ADDRINFOEXW, *PADDRINFOEXW, *LPADDRINFOEXW;

#define AI_PASSIVE 0x00000001
#define AI_CANONNAME 0x00000002
#define AI_NUMERICHOST 0x00000004
#define AI_NUMERICSERV 0x00000008
#define AI_ALL 0x00000100
#define AI_ADDRCONFIG 0x00000400
#define AI_V4MAPPED 0x00000800
#define NS_ALL 0
#define NS_DNS 12
#define NI_NOFQDN 0x01
#define NI_NUMERICHOST 0x02
#define NI_NAMEREQD 0x04
#define NI_NUMERICSERV 0x08
#define NI_DGRAM 0x10
#define NI_MAXHOST 1025
#define NI_MAXSERV 32

/* ws2ipdef.h: IPv6 socket options. */
#define IPV6_HOPOPTS 1
#define IPV6_HDRINCL 2
#define IPV6_UNICAST_HOPS 4
#define IPV6_V6ONLY 27

C_ASSERT(sizeof(SOCKADDR) == 16);
C_ASSERT(sizeof(SOCKADDR_IN) == 16);
C_ASSERT(sizeof(SOCKADDR_IN6) == 28);
C_ASSERT(sizeof(SOCKADDR_STORAGE) == 128);
C_ASSERT(FIELD_OFFSET(ADDRINFOEXW, ai_canonname) == 24);
C_ASSERT(FIELD_OFFSET(ADDRINFOEXW, ai_addr) == 32);
C_ASSERT(sizeof(ADDRINFOEXW) == 72);
C_ASSERT(sizeof(WSACMSGHDR) == 16);
C_ASSERT(sizeof(IN_PKTINFO) == 8);
C_ASSERT(sizeof(IN6_PKTINFO) == 20);
C_ASSERT(WSA_CMSG_SPACE(sizeof(IN_PKTINFO)) == 24 && WSA_CMSG_SPACE(sizeof(IN6_PKTINFO)) == 40);

WSKSHARP_END_DECLS

#endif /* WSKSHARP_WS2DEF_H */
