#!/usr/bin/env bash
# Fails when schema.graphql breaks clients of the last release: GraphQL
# Inspector's diff against the schema of the newest `v*` tag (else of the
# newest release's commit named in CHANGELOG.md). Removing a field, argument,
# input field or enum value passes only when that release deprecated it with
# a reason (rules suppressRemovalOfDeprecatedField and
# deprecated-with-reason.cjs). Usage: check.sh [OLD.graphql NEW.graphql]
# (with no arguments: the last release against the working tree's schema).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
inspector="$here/node_modules/.bin/graphql-inspector"
[ -x "$inspector" ] || { echo "run: npm ci --prefix scripts/schema-changes" >&2; exit 2; }

if [ $# -eq 2 ]; then
  old="$1"; new="$2"
else
  cd "$root"
  release="$(git describe --tags --abbrev=0 --match 'v*' 2>/dev/null || true)"
  if [ -z "$release" ]; then
    # A clone without tags: the newest release's commit, from the changelog.
    release="$(sed -n 's/^## v[0-9][^ ]* .*commit \([0-9a-f]\{7,40\}\).*/\1/p' CHANGELOG.md | head -n1)"
  fi
  [ -n "$release" ] || { echo "no release tag and no release commit in CHANGELOG.md" >&2; exit 2; }
  old="$(mktemp --suffix=.graphql)"
  trap 'rm -f "$old"' EXIT
  git show "$release:schema.graphql" > "$old"
  new="$root/schema.graphql"
  echo "schema.graphql against release $release"
fi
"$inspector" diff "$old" "$new" \
  --rule suppressRemovalOfDeprecatedField \
  --rule "$here/deprecated-with-reason.cjs"
