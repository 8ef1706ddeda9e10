/*
 * prng.c: a stand-in bcryptprimitives.dll for running Go Windows test
 * binaries under Wine 8.
 *
 * Go 1.22+ on Windows takes its random bytes from ProcessPrng, exported by
 * bcryptprimitives.dll. Wine 8 does not ship that DLL, so every Go binary
 * aborts at start-up. This file provides the one export the Go runtime
 * needs, implemented with SystemFunction036 (RtlGenRandom) from advapi32,
 * which Wine does implement. It is a test aid only: scripts/wine-test.sh
 * builds it with mingw-w64 and copies it into the Wine prefix.
 */
#include <windows.h>

/* RtlGenRandom is exported from advapi32 under this name. */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

/*
 * ProcessPrng fills data with len random bytes. Like the real one it
 * always returns TRUE; a failure of the underlying generator is fatal,
 * because callers (the Go runtime) cannot recover from it either.
 */
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk)) {
            ExitProcess(2);
        }
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE inst, DWORD reason, LPVOID reserved)
{
    (void)inst;
    (void)reason;
    (void)reserved;
    return TRUE;
}
