/* IN_ADDR and IN6_ADDR with Windows' member names (s_addr, S_un.S_un_b, s6_addr, s6_words). ws2def.h and the
 * Rtl IP string conversions share these; client code never sees glibc's in_addr. */
#ifndef WSKSHARP_NT_INADDR_H
#define WSKSHARP_NT_INADDR_H

#include "../ntdef.h"

typedef struct in_addr {
    union {
        struct { UCHAR s_b1, s_b2, s_b3, s_b4; } S_un_b;
        struct { USHORT s_w1, s_w2; } S_un_w;
        ULONG S_addr;
    } S_un;
} IN_ADDR, *PIN_ADDR, *LPIN_ADDR;

#define s_addr S_un.S_addr
#define s_host S_un.S_un_b.s_b2
#define s_net S_un.S_un_b.s_b1
#define s_imp S_un.S_un_w.s_w2
#define s_impno S_un.S_un_b.s_b4
#define s_lh S_un.S_un_b.s_b3

typedef struct in6_addr {
    union {
        UCHAR Byte[16];
        USHORT Word[8];
    } u;
} IN6_ADDR, *PIN6_ADDR, *LPIN6_ADDR;

#define in_addr6 in6_addr
#define _S6_un u
#define _S6_u8 Byte
#define s6_addr _S6_un._S6_u8
#define s6_bytes u.Byte
#define s6_words u.Word

C_ASSERT(sizeof(IN_ADDR) == 4);
C_ASSERT(sizeof(IN6_ADDR) == 16);

#endif /* WSKSHARP_NT_INADDR_H */
