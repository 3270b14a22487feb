/* wdm.h: what a WDM driver includes. The runtime's declarations, one concept per nt/ header, then the
 * IRP/MDL face (nt/io.h). Nothing of glibc's socket headers is reachable from here. */
#ifndef WSKSHARP_WDM_H
#define WSKSHARP_WDM_H

#include "ntdef.h"
#include "nt/irql.h"
#include "nt/interlocked.h"
#include "nt/lists.h"
#include "nt/slist.h"
#include "nt/memory.h"
#include "nt/byteswap.h"
#include "nt/sync.h"
#include "nt/spinlock.h"
#include "nt/timer.h"
#include "nt/driver.h"
#include "nt/thread.h"
#include "nt/workitem.h"
#include "nt/pool.h"
#include "nt/wcs.h"
#include "nt/strings.h"
#include "nt/strsafe.h"
#include "nt/debug.h"
#include "nt/seh.h"
#include "nt/systime.h"
#include "nt/inaddr.h"
#include "nt/ipstring.h"
#include "nt/verifier.h"
#include "nt/io.h"

#endif /* WSKSHARP_WDM_H */
