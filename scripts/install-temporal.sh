#!/usr/bin/env bash
# Makes sure a Temporal CLI (which carries the dev server) of the pinned version is available
# and prints its bin directory.
#
# The version is stamped with -ldflags as the release build does (`go install` alone says 0.0.0-DEV).
#
# Order: a `temporal` of the pinned version already on PATH; else the project cache
# (${XDG_CACHE_HOME:-$HOME/.cache}/platformbot/temporal/vX.Y.Z/bin); else build it there from
# Go modules with `go install`. v1.5.1 is pinned because later lines (1.9.x) cannot be built
# from the module proxy: their go.mod has a `replace` to a nested module that `go install`
# refuses.
set -euo pipefail

version="v1.5.1"
module="github.com/temporalio/cli/cmd/temporal"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/platformbot/temporal/$version/bin"
say() { echo "install-temporal: $*" >&2; }

# `temporal --version` prints "temporal version 1.5.1 (Server 1.29.1, UI 2.42.1)".
version_of() { "$1" --version 2>/dev/null | awk '{ print "v" $3; exit }'; }

if existing="$(command -v temporal 2>/dev/null)" && [ "$(version_of "$existing")" = "$version" ]; then
  dirname "$existing"; exit 0
fi

if [ -x "$cache/temporal" ] && [ "$(version_of "$cache/temporal")" = "$version" ]; then
  echo "$cache"; exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  say "no Temporal CLI $version found and no Go toolchain to build one."
  say "Install it the normal way (https://docs.temporal.io/cli#install, version ${version#v})"
  say "or install Go >= 1.24 and run 'make setup' again."
  exit 1
fi

say "building the Temporal CLI $version from Go modules into $cache (first time only: ~6 min on 2 cores)"
mkdir -p "$cache"
tmpbin="$(mktemp -d)"
trap 'rm -rf "$tmpbin"' EXIT
( GOBIN="$tmpbin" GOFLAGS=-mod=mod go install -v -trimpath \
    -ldflags "-X github.com/temporalio/cli/temporalcli.Version=${version#v}" "$module@$version" 2>&1 \
  | awk '{ n++; if (n % 50 == 0) { printf "install-temporal: %d packages compiled (last: %s)\n", n, $0 > "/dev/stderr" } }' )
[ -x "$tmpbin/temporal" ] || { say "go install failed; run 'go install $module@$version' by hand to see why"; exit 1; }
mv "$tmpbin/temporal" "$cache/temporal"
say "built $("$cache/temporal" --version)"
echo "$cache"
