/* The WSK layer's log as a driver's: what the managed side logs (a completion routine that threw, an event loop held
 * too long, Fast Open backing off) goes to DbgPrintEx under DPFLTR_IHVNETWORK_ID, one call per line, each cut to fit
 * DbgPrint's 512 bytes, so it lands where the driver's own KdPrint output does. */
#include <string.h>
#include <wdm.h>
#include "pairing.h"

VOID WskSharpLogText(ULONG Level, const char *Text)
{
    if (Text == NULL) {
        return;
    }
    const char *line = Text;
    for (;;) {
        const char *end = strchr(line, '\n');
        size_t length = end == NULL ? strlen(line) : (size_t)(end - line);
        if (length > 0 && line[length - 1] == '\r') {
            length--;
        }
        if (length > 0 || end == NULL) {
            char piece[481];
            size_t kept = length < sizeof(piece) - 1 ? length : sizeof(piece) - 1;
            memcpy(piece, line, kept);
            piece[kept] = 0;
            DbgPrintEx(DPFLTR_IHVNETWORK_ID, Level, "WskSharp: %s\n", piece);
        }
        if (end == NULL) {
            return;
        }
        line = end + 1;
        if (*line == 0) {
            return;
        }
    }
}
