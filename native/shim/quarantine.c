/* Freed IRPs and MDLs are not given back to the C library at once: the most recent ones stay allocated, marked freed,
 * so that a second IoFreeIrp or IoFreeMdl of one reads memory that is still ours and is caught (IRP_DOUBLE_FREE,
 * MDL_DOUBLE_FREE) instead of corrupting the heap. The pool's quarantine does the same for ExFreePool. */
#include <pthread.h>
#include <stdlib.h>
#include <wdm.h>
#include "pairing.h"

#define QUARANTINE_BLOCKS 1024

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static void *g_blocks[QUARANTINE_BLOCKS];
static ULONG g_next;

VOID WskSharpQuarantine(void *Block)
{
    pthread_mutex_lock(&g_lock);
    void *oldest = g_blocks[g_next];
    g_blocks[g_next] = Block;
    g_next = (g_next + 1) % QUARANTINE_BLOCKS;
    pthread_mutex_unlock(&g_lock);
    free(oldest);
}
