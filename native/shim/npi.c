/* Data a C client links against, which C# cannot export. */
#include <wsk.h>

/* {2227E803-8D8B-11D4-ABAD-009027719E09} */
const NPIID NPI_WSK_INTERFACE_ID = { 0x2227e803, 0x8d8b, 0x11d4, { 0xab, 0xad, 0x00, 0x90, 0x27, 0x71, 0x9e, 0x09 } };
