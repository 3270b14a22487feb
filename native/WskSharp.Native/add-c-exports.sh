#!/usr/bin/env bash
# add-c-exports.sh EXPORTS_FILE NAMES_FILE: puts the C shim's and runtime's symbols (one name a line) into the version
# script the NativeAOT compiler wrote, which marks every symbol it does not list local. Rewrites its own block each time,
# so a changed list replaces the old one even when IlcCompile was up to date. The bridge's entry points for the shim
# (WskSharpNative*: [UnmanagedCallersOnly] with an EntryPoint, which ILC exports) are taken out: the shim reaches them
# inside the library, and a client has no business calling them.
set -euo pipefail
exports=$1 names=$2
tmp="$exports.tmp"
awk -v names="$names" '
  /wsksharp C symbols begin/ { skip = 1; next }
  /wsksharp C symbols end/ { skip = 0; next }
  skip { next }
  /^[ \t]*WskSharpNative[A-Za-z0-9_]*;/ { next }
  { print }
  /global:/ {
    print "        /* wsksharp C symbols begin */"
    while ((getline name < names) > 0) if (name != "") print "        " name ";"
    print "        /* wsksharp C symbols end */"
  }' "$exports" > "$tmp"
mv "$tmp" "$exports"
