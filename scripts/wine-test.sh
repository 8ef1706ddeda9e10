#!/usr/bin/env bash
# wine-test.sh: run this repository's Windows tests under Wine.
#
#   bash scripts/wine-test.sh [package ...]
#
# With no arguments it runs every package that has a *_windows_test.go
# file. It is idempotent: it installs what is missing from Debian packages
# (wine64, gcc-mingw-w64-x86-64; needs root and apt-get), builds the
# stand-in bcryptprimitives.dll from scripts/prng/ (Wine 8 lacks the DLL the
# Go runtime takes ProcessPrng from), prepares a Wine prefix once, runs
# `GOOS=windows go test -exec wine64`, prints how many tests ran, and stops
# the wineserver at the end so no Wine process remains.
#
# Environment:
#   WINEPREFIX         the prefix to use (default ${TMPDIR:-/tmp}/sysprims-wine)
#   WINE_TEST_TIMEOUT  bound on the go test run (default 600s)
#   WINE_TEST_FLAGS    extra go test flags, after the packages
#                      (e.g. "-run TestJob"). To see the tree tests fail
#                      when the job assignment is broken on purpose:
#     WINE_TEST_FLAGS='-run TestJobTree -args -wintest.break-assign' \
#       bash scripts/wine-test.sh ./internal/platform
#
# Concurrent runs sharing a prefix are serialised with flock. From a clean
# Debian 12 machine (packages, DLL, prefix) a run takes about 2.5 minutes;
# afterwards about 40-50 s on 2 cores.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export WINEPREFIX=${WINEPREFIX:-${TMPDIR:-/tmp}/sysprims-wine}
export WINEARCH=win64
export WINEDEBUG=-all
export WINEDLLOVERRIDES="mscoree,mshtml=" # no Mono/Gecko install prompts
unset DISPLAY WAYLAND_DISPLAY             # headless: no windows, no dialogs
test_timeout=${WINE_TEST_TIMEOUT:-600s}
dll_build=${TMPDIR:-/tmp}/sysprims-prng
start=$(date +%s)

log() { printf 'wine-test: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# find_wine sets wine and wineserver to the 64-bit Wine binaries, which
# Debian's wine64 package installs under /usr/lib/wine without /usr/bin links.
find_wine() {
	wine=$(command -v wine64 || true)
	[ -n "$wine" ] || wine=/usr/lib/wine/wine64
	wineserver=$(command -v wineserver || true)
	[ -n "$wineserver" ] || wineserver=/usr/lib/wine/wineserver64
}

# install_missing installs the Debian packages whose tools are absent,
# running apt-get update at most once.
install_missing() {
	local pkgs=()
	find_wine
	[ -x "$wine" ] || pkgs+=(wine64)
	command -v x86_64-w64-mingw32-gcc >/dev/null || pkgs+=(gcc-mingw-w64-x86-64)
	[ ${#pkgs[@]} -eq 0 ] && return 0
	command -v apt-get >/dev/null || die "missing ${pkgs[*]} and no apt-get to install them"
	[ "$(id -u)" -eq 0 ] || die "missing ${pkgs[*]}: run as root or install them"
	log "installing ${pkgs[*]}"
	export DEBIAN_FRONTEND=noninteractive
	timeout 300 apt-get update -q >/dev/null
	local p policy
	for p in "${pkgs[@]}"; do
		policy=$(apt-cache policy "$p")
		[[ $policy == *"Candidate: "[0-9]* ]] || die "no Debian package $p"
	done
	timeout 900 apt-get install -y -q --no-install-recommends "${pkgs[@]}" >/dev/null
	find_wine
	[ -x "$wine" ] || die "wine64 not found after install"
}

# build_dll builds the stand-in bcryptprimitives.dll when its sources changed.
build_dll() {
	local src=$repo/scripts/prng
	mkdir -p "$dll_build"
	dll=$dll_build/bcryptprimitives.dll
	if [ -f "$dll" ] && [ "$dll" -nt "$src/prng.c" ] && [ "$dll" -nt "$src/bcryptprimitives.def" ]; then
		return 0
	fi
	log "building $dll"
	x86_64-w64-mingw32-gcc -O2 -Wall -Wextra -Werror -shared -s \
		-o "$dll.tmp" "$src/prng.c" "$src/bcryptprimitives.def" -ladvapi32
	mv "$dll.tmp" "$dll"
}

# prepare_prefix creates the Wine prefix once and installs the DLL into it.
prepare_prefix() {
	local sys32=$WINEPREFIX/drive_c/windows/system32
	if [ ! -f "$WINEPREFIX/.sysprims-ready" ]; then
		log "creating Wine prefix $WINEPREFIX"
		mkdir -p "$WINEPREFIX"
		timeout 300 "$wine" wineboot --init >/dev/null 2>&1 9>&- || die "wineboot --init failed"
		timeout 60 "$wineserver" -w || true
		[ -d "$sys32" ] || die "no $sys32 after wineboot"
		touch "$WINEPREFIX/.sysprims-ready"
	fi
	cmp -s "$dll" "$sys32/bcryptprimitives.dll" || cp "$dll" "$sys32/bcryptprimitives.dll"
}

# start_wine starts the wineserver (persistent for this run) and the
# prefix's services with their stdio on /dev/null. Otherwise the first test
# binary starts them, they inherit its output pipe and hold it open, and go
# test fails the package with "Test I/O incomplete" although every test
# passed. stop_wine ends them all.
start_wine() {
	"$wineserver" -p </dev/null >/dev/null 2>&1 9>&- || true
	timeout 120 "$wine" wineboot </dev/null >/dev/null 2>&1 9>&- || true
}

# default_packages lists the packages that have Windows-only tests.
default_packages() {
	(cd "$repo" && find . -name '*_windows_test.go' -not -path './.git/*' -printf '%h\n' |
		sort -u | sed 's|^\./|./|')
}

# run_tests runs the Windows tests under Wine and prints the counts.
run_tests() {
	local out rc=0
	local -a pkgs=("$@") failed
	[ ${#pkgs[@]} -gt 0 ] || mapfile -t pkgs < <(default_packages)
	[ ${#pkgs[@]} -gt 0 ] || die "no packages with *_windows_test.go files"
	log "go test under Wine: ${pkgs[*]}"
	out=$(go_test_wine "${pkgs[@]}") || rc=$?
	report "$out" "$rc"
	[ "$rc" -eq 0 ] && return 0
	# Wine now and then stalls a process start or leaves one of its own
	# helpers holding a test binary's output ("Test I/O incomplete"). Run
	# the packages that failed once more, and say so: a real failure fails
	# twice.
	mapfile -t failed < <(sed -nE 's|^FAIL[[:space:]]+github.com/3leaps/sysprims-go/([^[:space:]]+).*|./\1|p' "$out")
	[ ${#failed[@]} -gt 0 ] || return "$rc"
	log "RETRY under Wine (failed once): ${failed[*]}"
	stop_wine
	start_wine
	rc=0
	out=$(go_test_wine "${failed[@]}") || rc=$?
	report "$out" "$rc"
	return "$rc"
}

# go_test_wine runs go test under Wine for the packages given, prints the
# non-passing lines, and prints the log file's name last (for report).
go_test_wine() {
	local out rc=0
	out=$(mktemp "${TMPDIR:-/tmp}/sysprims-wine-test.XXXXXX.log")
	# shellcheck disable=SC2086
	(cd "$repo" && GOOS=windows GOARCH=amd64 CGO_ENABLED=0 timeout -k 10 "$test_timeout" \
		env SYSPRIMS_WINE="$wine" go test -exec "$repo/scripts/wine-exec.sh" -count=1 -v -timeout 300s "$@" ${WINE_TEST_FLAGS:-}) \
		>"$out" 2>&1 9>&- || rc=$?
	grep -Ev '^(=== (RUN|PAUSE|CONT|NAME)|\s+--- PASS)' "$out" >&2 || true
	echo "$out"
	return "$rc"
}

# report prints how many tests (and subtests) ran, passed, failed, skipped.
report() {
	local out=$1 rc=$2 pass fail skip top
	pass=$(grep -cE '^\s*--- PASS' "$out" || true)
	fail=$(grep -cE '^\s*--- FAIL' "$out" || true)
	skip=$(grep -cE '^\s*--- SKIP' "$out" || true)
	top=$(grep -cE '^--- (PASS|FAIL|SKIP)' "$out" || true)
	printf 'wine-test: %d tests run (%d top-level): %d passed, %d failed, %d skipped; exit %d; %ds\n' \
		$((pass + fail + skip)) "$top" "$pass" "$fail" "$skip" "$rc" $(($(date +%s) - start))
	printf 'wine-test: full log in %s\n' "$out"
}

stop_wine() {
	if [ -n "${wineserver:-}" ] && [ -x "$wineserver" ]; then timeout 30 "$wineserver" -k 2>/dev/null || true; fi
	kill_prefix_procs
	return 0
}

# kill_prefix_procs kills whatever still runs in this run's prefix: Wine
# processes that wineserver -k did not end (seen: a process created while
# its job was being terminated).
kill_prefix_procs() {
	local d
	for d in /proc/[0-9]*; do
		[ "${d#/proc/}" = "$$" ] && continue
		grep -qaz "^WINEPREFIX=$WINEPREFIX\$" "$d/environ" 2>/dev/null || continue
		kill -9 "${d#/proc/}" 2>/dev/null || true
	done
}

# lock serialises runs that share the prefix: the final wineserver -k of
# one run would kill the tests of another.
lock() {
	mkdir -p "$(dirname "$WINEPREFIX")"
	exec 9>"$WINEPREFIX.lock"
	flock -w 1200 9 || die "another wine-test.sh holds $WINEPREFIX.lock"
}

main() {
	command -v go >/dev/null || die "go not found in PATH"
	install_missing
	lock
	trap stop_wine EXIT
	build_dll
	prepare_prefix
	start_wine
	run_tests "$@"
}

main "$@"
