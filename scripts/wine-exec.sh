#!/usr/bin/env bash
# wine-exec.sh is go test's -exec under scripts/wine-test.sh: it runs a
# Windows test binary under Wine ($SYSPRIMS_WINE) with its output in a
# file, and prints the file once Wine has returned. Wine sometimes leaves
# one of its own processes holding the output it inherited; with go test's
# pipe that fails a passing package with "Test I/O incomplete". The tests
# check for surviving processes themselves, and wine-test.sh kills what is
# left of the prefix when it ends.
out=$(mktemp "${TMPDIR:-/tmp}/sysprims-wine-exec.XXXXXX")
"${SYSPRIMS_WINE:?}" "$@" >"$out" 2>&1 </dev/null
rc=$?
cat "$out"
rm -f "$out"
exit "$rc"
