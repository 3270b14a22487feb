/* ntddk.h: a superset of wdm.h on Windows; here the kernel API a WSK client calls is the same. */
#ifndef WSKSHARP_NTDDK_H
#define WSKSHARP_NTDDK_H

#include "wdm.h"

#endif /* WSKSHARP_NTDDK_H */
