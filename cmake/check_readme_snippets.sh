#!/usr/bin/env bash
# Every ```cpp block of README.md must be a file of examples/, quoted verbatim, so
# that the README never shows code that does not compile (the examples are built
# and run by cmake/consumer_test.sh). The line before each block names its file:
#   <!-- example: examples/thread_pool.cpp -->
# Usage: check_readme_snippets.sh [repo root]. Exits 1 with a diff on a mismatch.
set -euo pipefail
root=${1:-$(dirname "${BASH_SOURCE[0]}")/..}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

awk -v out="$tmp" '
  /^<!-- example: .* -->$/ { file = $3; next }
  /^```cpp$/ { n++; if (file == "") { print "README.md:" NR ": a cpp block without an example marker" > "/dev/stderr"; bad = 1 }
               print n, file >> (out "/index"); inblock = 1; file = ""; next }
  inblock && /^```$/ { inblock = 0; next }
  inblock { print > (out "/" n ".cpp") }
  { file = "" }
  END { exit bad }
' "$root/README.md"

touch "$tmp/index"
status=0 count=0
while read -r n file; do
    count=$((count + 1))
    if ! diff -u "$root/$file" "$tmp/$n.cpp" >"$tmp/diff"; then
        echo "README.md block $n differs from $file:"
        cat "$tmp/diff"
        status=1
    fi
done <"$tmp/index"
echo "README.md: $count C++ blocks checked against examples/"
exit $status
