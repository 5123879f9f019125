#!/usr/bin/env bash
# Run one case of a shell test file: run.sh FILE CASE. lib.sh sets -Eeuo pipefail and the ERR trap
# that ends the case when a command nobody checks fails.
file=$1 case=$2
export OB_CASE=$case
# shellcheck disable=SC1091
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck disable=SC1090
source "$file"
"test_$case"
trap - ERR; set +e # the EXIT traps' cleanup is not part of the case
if [[ -s $TMP/unchecked ]]; then
  echo "FAILED $case (unchecked command failed in a subshell: $(head -1 "$TMP/unchecked"))"
  exit 1
fi
if ((failures)); then echo "FAILED $case ($failures checks)"; exit 1; fi
echo "ok $case"
