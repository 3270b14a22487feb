/* ntstrsafe.h: the RtlString* functions (declared in nt/strsafe.h, reachable from wdm.h too). */
#ifndef WSKSHARP_NTSTRSAFE_H
#define WSKSHARP_NTSTRSAFE_H
#include "wdm.h"
#endif
