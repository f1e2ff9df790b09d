#!/usr/bin/env bash
# Makes sure a Pulumi CLI of the pinned version is available and prints its bin directory.
#
# Order: a `pulumi` of the pinned version already on PATH; else the project cache
# (${XDG_CACHE_HOME:-$HOME/.cache}/platformbot/pulumi/vX.Y.Z/bin); else build it there from
# Go modules with the wrapper module in scripts/pulumi-cli. Either way the directory also
# gets `pulumi-resource-pulumi-python`, which the engine starts for dynamic providers.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version="$(awk '/github.com\/pulumi\/pulumi\/pkg\/v3 v[0-9]/ { for (i = 1; i <= NF; i++) if ($i ~ /^v[0-9]/) { print $i; exit } }' "$here/pulumi-cli/go.mod")"
[ -n "$version" ] || { echo "install-pulumi: cannot read the pinned version from scripts/pulumi-cli/go.mod" >&2; exit 1; }
cache="${XDG_CACHE_HOME:-$HOME/.cache}/platformbot/pulumi/$version/bin"
say() { echo "install-pulumi: $*" >&2; }

provider_shim() {
  # The engine runs this for Python dynamic providers; PULUMI_PYTHON_CMD picks the interpreter.
  local dir="$1"
  cat > "$dir/pulumi-resource-pulumi-python" <<'SHIM'
#!/bin/sh
exec "${PULUMI_PYTHON_CMD:-python3}" -u -m pulumi.dynamic "$@"
SHIM
  chmod +x "$dir/pulumi-resource-pulumi-python"
}

if existing="$(command -v pulumi 2>/dev/null)" && [ "$("$existing" version 2>/dev/null)" = "$version" ]; then
  dir="$(dirname "$existing")"
  [ -x "$dir/pulumi-resource-pulumi-python" ] || { mkdir -p "$cache"; provider_shim "$cache"; }
  echo "$dir"; exit 0
fi

if [ -x "$cache/pulumi" ] && [ "$("$cache/pulumi" version 2>/dev/null)" = "$version" ]; then
  provider_shim "$cache"; echo "$cache"; exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  say "no Pulumi CLI $version found and no Go toolchain to build one."
  say "Install it the normal way: curl -fsSL https://get.pulumi.com | sh -s -- --version ${version#v}"
  say "or install Go >= 1.25 and run 'make setup' again."
  exit 1
fi

say "building the Pulumi CLI $version from Go modules into $cache (first time only: ~10 min on 2 cores)"
mkdir -p "$cache"
( cd "$here/pulumi-cli" && GOFLAGS=-mod=mod go build -v -trimpath \
    -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
    -o "$cache/pulumi.partial" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi 2>&1 \
  | awk '{ n++; if (n % 50 == 0) { printf "install-pulumi: %d packages compiled (last: %s)\n", n, $0 > "/dev/stderr" } }' )
[ -x "$cache/pulumi.partial" ] || { say "go build failed; run it by hand in scripts/pulumi-cli to see why"; exit 1; }
mv "$cache/pulumi.partial" "$cache/pulumi"
provider_shim "$cache"
say "built $("$cache/pulumi" version)"
echo "$cache"
