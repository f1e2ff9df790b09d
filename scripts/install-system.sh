#!/usr/bin/env bash
# Installs the Debian packages the real parts need, only when they are missing.
set -euo pipefail
need=()
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
[ -n "$(pg_bin)" ] && [ -x "$(pg_bin)/initdb" ] || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v git >/dev/null 2>&1 || need+=(git)
# The redis-cache golden path's engine tests start their own redis-server.
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
# The rabbitmq-vhost golden path's engine tests start their own node from the package's scripts.
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || command -v rabbitmq-server >/dev/null 2>&1 || need+=(rabbitmq-server)
command -v runuser >/dev/null 2>&1 || need+=(util-linux)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
  echo "install-system: missing Debian packages: ${need[*]}" >&2
  echo "install-system: install them with: sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
sudo_=""; [ "$(id -u)" -ne 0 ] && sudo_=sudo
echo "install-system: installing ${need[*]} (Debian packages)" >&2
$sudo_ apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq "${need[@]}" >/dev/null
