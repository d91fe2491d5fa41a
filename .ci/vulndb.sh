#!/usr/bin/env bash
# govulncheck with no network but the Go module proxy: vuln.go.dev is out of
# reach, so the vulnerability database is built here from the
# golang.org/x/vulndb module (its data/osv folder) with the module's own
# cmd/indexdb, and kept in a cache folder keyed by the vulndb version.
# Exits non-zero when govulncheck finds a vulnerability the code reaches.
#
# Both versions are pinned so that CI fails because of a change in this
# repository, never because an advisory was published overnight: raise
# VULNDB_VERSION on purpose (`go list -m -versions` cannot list pseudo-versions;
# take the newest commit of golang.org/x/vulndb) and fix what it finds.
set -euo pipefail
cd "$(dirname "$0")/.."

VULNDB_VERSION=v0.0.0-20261105234957-e22db6528018
GOVULNCHECK_VERSION=v1.10.0

# The standard library is checked as the toolchain go.mod names; Go
# installations that ship GOTOOLCHAIN=local in go.env would check their own.
export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"

cache="${ECSMEDIC_VULNDB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ecsmedic/vulndb}"
db="$cache/$VULNDB_VERSION"

if [ -f "$db/index/db.json" ]; then
  echo "vulnerability database: $db (cached)"
else
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp" ${part:+"$part"}' EXIT
  # Outside the repository, so that nothing lands in go.mod or go.sum.
  src=$(cd "$tmp" && go mod download -json "golang.org/x/vulndb@$VULNDB_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  if ! [ -d "$src/data/osv" ]; then
    echo "golang.org/x/vulndb@$VULNDB_VERSION has no data/osv (at '$src')"; exit 1
  fi
  (cd "$tmp" && GOBIN="$tmp/bin" go install "golang.org/x/vulndb/cmd/indexdb@$VULNDB_VERSION")
  # Written beside its final place and renamed there, so that a
  # half-written database never looks cached.
  mkdir -p "$cache"
  part=$(mktemp -d "$cache/.part.XXXXXX")
  "$tmp/bin/indexdb" -vulns "$src/data/osv" -out "$part/db"
  rm -rf "$db" && mv "$part/db" "$db" && rmdir "$part"
  echo "vulnerability database: $db ($(ls "$src/data/osv" | wc -l) advisories)"
fi

GOBIN="$PWD/.ci/bin" go install "golang.org/x/vuln/cmd/govulncheck@$GOVULNCHECK_VERSION"
.ci/bin/govulncheck -db "file://$db" ./...
