/* ip2string.h: the Rtl IPv4/IPv6 text conversions (declared in nt/ipstring.h, reachable from wdm.h too). */
#ifndef WSKSHARP_IP2STRING_H
#define WSKSHARP_IP2STRING_H
#include "wdm.h"
#endif
