#!/usr/bin/env bash
# Builds the native benchmark peers into bench/native/bin/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

CC="${CC:-gcc}"
if ! command -v "$CC" >/dev/null 2>&1; then
    echo "build.sh: '$CC' not found. Install a C compiler and make, e.g.:" >&2
    echo "    Debian/Ubuntu: apt-get install -y gcc make libc6-dev" >&2
    echo "    Fedora/RHEL:   dnf install -y gcc make glibc-devel" >&2
    exit 1
fi
if ! command -v make >/dev/null 2>&1; then
    echo "build.sh: 'make' not found. Install it, e.g.: apt-get install -y make" >&2
    exit 1
fi
if [ "$(uname -s)" != "Linux" ]; then
    echo "build.sh: these tools use epoll/signalfd/TCP_FASTOPEN and build on Linux only" >&2
    exit 1
fi

make CC="$CC" all "$@"
echo "build.sh: built $(pwd)/bin/echo_server, $(pwd)/bin/client and $(pwd)/bin/sink_server"

# The wsk-c peer: WskSharp's native face (NativeAOT, needs the .NET SDK) installed under bin/wsksharp, then
# bin/wsk_client built against it. Skipped with WSKSHARP_NO_WSK_C=1; a failure here leaves the C peers usable.
if [ "${WSKSHARP_NO_WSK_C:-0}" != 1 ]; then
    if bash ../../native/build.sh "$(pwd)/bin/wsksharp" >bin/wsksharp-build.log 2>&1 && make CC="$CC" wsk "$@"; then
        echo "build.sh: built $(pwd)/bin/wsk_client (over $(pwd)/bin/wsksharp)"
    else
        echo "build.sh: the wsk-c peer was not built (see $(pwd)/bin/wsksharp-build.log): its runs will fail" >&2
    fi
fi
