#!/usr/bin/env bash
# Builds and installs WskSharp's native C face under PREFIX:
#   PREFIX/include/wsksharp/          the headers (ntddk.h, wdm.h, wsk.h, ...): a driver's includes
#   PREFIX/lib/libwsksharp.so         the WSK layer compiled with NativeAOT + the C shim and kernel runtime
#   PREFIX/lib/pkgconfig/wsksharp.pc  gcc $(pkg-config --cflags --libs wsksharp)
#   PREFIX/lib/cmake/WskSharp/        find_package(WskSharp) -> WskSharp::WskSharp
# Idempotent; a second run with nothing changed only re-copies the headers (the C objects and the NativeAOT publish are
# redone only when one of their inputs is newer than their output).
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: bash native/build.sh PREFIX" >&2
  exit 2
fi
mkdir -p "$1"
prefix=$(cd "$1" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
native="$root/native"
work="$native/obj/build"        # obj/ is ignored by git
mkdir -p "$work/c"

# Client and library flags (NATIVE-FACE.md): 16-bit WCHAR, MS extensions (anonymous structs), multi-character pool
# tags; the client's own symbols hidden so a client defining `connect` or `send` cannot hijack the runtime's libc calls.
client_flags="-fshort-wchar -fms-extensions -Wno-multichar -fvisibility=hidden"
cflags="-std=c11 -Wall -Werror -O2 -fPIC $client_flags -I$native/include/wsksharp"

newer_than() { # newer_than OUTPUT INPUT...: true if OUTPUT is missing or an input is newer
  local out=$1; shift
  [ -e "$out" ] || return 0
  # Sources only: bin/ and obj/ change on every build of anything.
  [ -n "$(find "$@" \( -name bin -o -name obj \) -prune -o -type f \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' \
    -o -name '*.c' -o -name '*.h' -o -name '*.o' -o -name '*.sh' \) -newer "$out" -print 2>/dev/null | head -n 1)" ]
}

# --- the C objects: native/shim/*.c (this face's shim) and native/runtime/*.c (the kernel runtime) ---
shopt -s nullglob
csources=("$native"/shim/*.c "$native"/runtime/*.c)
cobject="$work/wsksharp-c.o"
exports="$work/wsksharp-c.exports"
if newer_than "$cobject" "${csources[@]}" "$native/include" "$native/build.sh"; then
  rm -f "$work"/c/*.o
  for src in "${csources[@]}"; do
    name=$(basename "$(dirname "$src")")-$(basename "$src" .c).o
    # Hidden by default: only what the headers declare WSKSHARP_API (visibility "default") is exported; the helpers the
    # runtime's and shim's files share (internal.h, pairing.h) stay inside the library.
    gcc $cflags -c "$src" -o "$work/c/$name"
  done
  objs=("$work"/c/*.o)
  # One relocatable object: the AOT link takes it whole (an archive would drop members nothing managed references).
  ld -r -o "$cobject.tmp" "${objs[@]}"
  # Every global function and datum of default visibility (the API) is exported (the ILC version script marks the rest
  # local). readelf, since nm -g lists hidden globals too.
  readelf -Ws --wide "$cobject.tmp" | awk '$5 == "GLOBAL" && $6 == "DEFAULT" && $7 != "UND" && ($4 == "FUNC" || $4 == "OBJECT") { print $8 }' \
    | sort -u > "$exports.tmp"
  # A runtime that defined a libc name would interpose on it for the whole process, .NET's own calls included.
  libc=$(gcc -print-file-name=libc.so.6)
  clash=$(comm -12 "$exports.tmp" <(nm -D --defined-only "$libc" | awk '{ sub(/@.*/, "", $3); print $3 }' | sort -u) || true)
  if [ -n "$clash" ]; then
    echo "native/build.sh: the C runtime defines libc names, which would hijack the process's own calls: $clash" >&2
    exit 1
  fi
  mv "$cobject.tmp" "$cobject"
  mv "$exports.tmp" "$exports"
fi

# --- the NativeAOT library ---
publish="$work/publish"
lib="$publish/libwsksharp.so"
if newer_than "$lib" "$cobject" "$root/src/WskSharp" "$native/WskSharp.Native" \
     "$root/Directory.Build.props" "$root/Directory.Packages.props"; then
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
  dotnet publish "$native/WskSharp.Native/WskSharp.Native.csproj" -c Release -nologo -v q -clp:ErrorsOnly \
    -p:WskSharpCObject="$cobject" -p:WskSharpCExports="$exports" -o "$publish"
  touch "$lib"
fi

# --- install ---
mkdir -p "$prefix/include" "$prefix/lib/pkgconfig" "$prefix/lib/cmake/WskSharp"
rm -rf "$prefix/include/wsksharp.new"
cp -R "$native/include/wsksharp" "$prefix/include/wsksharp.new"
rm -rf "$prefix/include/wsksharp"
mv "$prefix/include/wsksharp.new" "$prefix/include/wsksharp"
if ! cmp -s "$lib" "$prefix/lib/libwsksharp.so"; then
  cp "$lib" "$prefix/lib/libwsksharp.so.new"
  mv "$prefix/lib/libwsksharp.so.new" "$prefix/lib/libwsksharp.so" # atomic: a running client keeps its mapping
fi

cat > "$prefix/lib/pkgconfig/wsksharp.pc" <<EOF
prefix=$prefix
includedir=\${prefix}/include
libdir=\${prefix}/lib

Name: wsksharp
Description: Windows Winsock Kernel (WSK) client API for C in user mode over Linux TCP (WskSharp's native face)
Version: 0.1.0
Cflags: -I\${includedir}/wsksharp $client_flags
Libs: -L\${libdir} -lwsksharp -Wl,-rpath,\${libdir}
EOF

cat > "$prefix/lib/cmake/WskSharp/WskSharpConfig.cmake" <<'EOF'
# find_package(WskSharp): the imported target WskSharp::WskSharp carries the include directory, the compile options the
# headers need and the library.
get_filename_component(_wsksharp_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
if(NOT TARGET WskSharp::WskSharp)
  add_library(WskSharp::WskSharp SHARED IMPORTED)
  set_target_properties(WskSharp::WskSharp PROPERTIES
    IMPORTED_LOCATION "${_wsksharp_prefix}/lib/libwsksharp.so"
    IMPORTED_NO_SONAME TRUE
    INTERFACE_INCLUDE_DIRECTORIES "${_wsksharp_prefix}/include/wsksharp"
    INTERFACE_COMPILE_OPTIONS "-fshort-wchar;-fms-extensions;-Wno-multichar;-fvisibility=hidden")
endif()
set(WskSharp_FOUND TRUE)
unset(_wsksharp_prefix)
EOF

cat > "$prefix/lib/cmake/WskSharp/WskSharpConfigVersion.cmake" <<'EOF'
set(PACKAGE_VERSION "0.1.0")
if(PACKAGE_FIND_VERSION VERSION_GREATER PACKAGE_VERSION)
  set(PACKAGE_VERSION_COMPATIBLE FALSE)
else()
  set(PACKAGE_VERSION_COMPATIBLE TRUE)
  if(PACKAGE_FIND_VERSION STREQUAL PACKAGE_VERSION)
    set(PACKAGE_VERSION_EXACT TRUE)
  endif()
endif()
EOF
