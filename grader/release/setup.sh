#!/usr/bin/env bash
# Gradescope: runs once, as root, when the autograder's image is built.
set -euo pipefail
cd "$(dirname "$0")"
root=${GRT_AUTOGRADER_ROOT:-/autograder}
bash "$root/source/tools/install-deps"
# The instructor's hidden tests: readable by root only (submissions compile
# and run as another uid).
[ -d "$root/source/solutions" ] && chmod -R go-rwx "$root/source/solutions"
exit 0
