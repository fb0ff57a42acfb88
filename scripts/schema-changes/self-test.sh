#!/usr/bin/env bash
# The schema check's own test: it must pass removing a field the release
# deprecated with a reason, and fail removing a plain field or one deprecated
# without a reason.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
fixtures="$here/fixtures"
failed=0
expect() {
  local want="$1" schema="$2"
  if "$here/check.sh" "$fixtures/released.graphql" "$fixtures/$schema" >/tmp/schema-check.log 2>&1; then got=pass; else got=fail; fi
  if [ "$got" = "$want" ]; then echo "ok      $schema: $got"; else echo "FAILED  $schema: $got, expected $want"; cat /tmp/schema-check.log; failed=1; fi
}
expect pass removes-deprecated.graphql
expect fail removes-plain.graphql
expect fail removes-without-reason.graphql
exit $failed
