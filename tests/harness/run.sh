#!/usr/bin/env bash
# Run one case of a shell test file: run.sh FILE CASE
set -uo pipefail
file=$1 case=$2
export OB_CASE=$case
# shellcheck disable=SC1091
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck disable=SC1090
source "$file"
"test_$case"
rc=$?
if ((failures)); then echo "FAILED $case ($failures checks)"; exit 1; fi
if ((rc)); then echo "FAILED $case (exit $rc)"; exit 1; fi
echo "ok $case"
