#!/usr/bin/env bash
# The Windows build, checked on Linux: cross-builds ccdiag.exe (x86_64-pc-windows-gnu, release),
# runs it under Wine and requires its JSON report to equal the Linux build's byte for byte,
# exit code included. Paths in reports are relative to the scanned folder and written with `/`
# on every platform, so nothing is normalised before the comparison.
#
# Installs what it lacks (the rustup target; Debian's MinGW-w64 and Wine, as root), so it runs
# on a fresh machine. Environment: WINEPREFIX (default target/wine-prefix, made on first use),
# LINUX_CCDIAG (the Linux binary to compare with; default target/debug/ccdiag, which
# `cargo test` has already built in CI).
set -euo pipefail
cd "$(dirname "$0")/.."

target=x86_64-pc-windows-gnu
started=$SECONDS
step() { echo "-- $* ($((SECONDS - started)) s)"; }

# What it needs: the standard library for the target, a linker (Rust's default for windows-gnu
# is x86_64-w64-mingw32-gcc, so no .cargo/config.toml is needed) and Wine.
if ! rustup target list --installed | grep -qx "$target"; then
  step "rustup target add $target"
  rustup target add "$target"
fi
missing=()
command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || missing+=(gcc-mingw-w64-x86-64)
[ -x /usr/lib/wine/wine64 ] || command -v wine64 >/dev/null 2>&1 || missing+=(wine64)
command -v wine >/dev/null 2>&1 || missing+=(wine)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "windows-smoke: missing ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root" >&2
    exit 1
  fi
  step "apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

step "cargo build --release --locked --target $target"
cargo build --release --locked --target "$target"
# Cargo's output folder, wherever CARGO_TARGET_DIR puts it.
out="${CARGO_TARGET_DIR:-target}"
exe="$out/$target/release/ccdiag.exe"

linux="${LINUX_CCDIAG:-$out/debug/ccdiag}"
if [ -z "${LINUX_CCDIAG:-}" ]; then
  step "cargo build --locked (the Linux binary to compare with)"
  cargo build --locked --quiet
fi

# Wine: a prefix of our own (not ~/.wine), without the Mono and Gecko installers it would
# otherwise try to fetch, and quiet (the Debian wrapper's hint about wine32 included).
export WINEPREFIX="${WINEPREFIX:-$(realpath -m "$out")/wine-prefix}"
export WINEDEBUG="${WINEDEBUG:--all}"
export WINEDLLOVERRIDES="mscoree,mshtml="
if [ ! -d "$WINEPREFIX/drive_c" ]; then
  step "wineboot --init ($WINEPREFIX)"
  wineboot --init >/dev/null 2>&1 || true
  wineserver -w || true
fi

# Rust's standard library (1.78 and later) imports ProcessPrng from bcryptprimitives.dll, which
# every Windows 10 and later has but Wine only from 8.13 on (Debian 12 ships 8.0). Where the
# prefix lacks it, a stand-in built here serves ProcessPrng from advapi32's RtlGenRandom, placed
# beside a copy of the exe (the application folder is searched first). The product binary is
# not changed; on Windows the system's DLL is used.
rundir=target/windows-smoke
rm -rf "$rundir"
mkdir -p "$rundir"
cp "$exe" "$rundir/ccdiag.exe"
if [ ! -e "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" ]; then
  step "bcryptprimitives.dll stand-in for $(wine --version 2>/dev/null)"
  cat >"$rundir/bcryptprimitives.c" <<'EOF'
#include <windows.h>
#include <ntsecapi.h>
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!RtlGenRandom(data, n)) return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}
EOF
  x86_64-w64-mingw32-gcc -O2 -shared -s -o "$rundir/bcryptprimitives.dll" "$rundir/bcryptprimitives.c" -ladvapi32
fi

# Each case: the same arguments to both builds; reports and exit codes must be the same.
failed=0
compare() {
  local name=$1
  shift
  local win_out="$rundir/$name.windows.json" linux_out="$rundir/$name.linux.json" win_code=0 linux_code=0
  wine "$rundir/ccdiag.exe" "$@" >"$win_out" 2>"$rundir/$name.windows.stderr" || win_code=$?
  "$linux" "$@" >"$linux_out" 2>"$rundir/$name.linux.stderr" || linux_code=$?
  if [ "$win_code" -ne "$linux_code" ]; then
    echo "windows-smoke: $name: ccdiag.exe exited $win_code, the Linux build $linux_code" >&2
    head -c 2000 "$rundir/$name.windows.stderr" >&2
    failed=1
  elif ! cmp -s "$win_out" "$linux_out"; then
    echo "windows-smoke: $name: the reports differ (< Linux, > Windows):" >&2
    diff "$linux_out" "$win_out" | head -40 >&2 || true
    failed=1
  elif [ ! -s "$win_out" ]; then
    echo "windows-smoke: $name: empty report" >&2
    failed=1
  else
    echo "$name: same report ($(wc -c <"$win_out") bytes), exit $win_code"
  fi
}
step "ccdiag.exe under $(wine --version 2>/dev/null) against $linux"
# The README's example bundle (the task's check), then every fixture (zips, UTF-16, CLIXML,
# .evtx) at a fixed reference time, since some fixtures state no time and the clock would differ.
compare example scan examples/cce-host-bundle --format json
compare fixtures scan fixtures --format json --now 2026-12-01T00:00:00Z

wineserver -k 2>/dev/null || true
step "done"
exit "$failed"
