/* wdm.h: what a WDM driver includes. The runtime's declarations, one concept per nt/ header, then the
 * IRP/MDL face (nt/io.h). Nothing of glibc's socket headers is reachable from here. */
#ifndef WSKSHARP_WDM_H
#define WSKSHARP_WDM_H

#include "ntdef.h"
#include "nt/io.h"

#endif /* WSKSHARP_WDM_H */
