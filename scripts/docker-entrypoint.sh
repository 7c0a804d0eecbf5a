#!/bin/sh
# Runs vaultarr as PUID:PGID (default 1000:1000), as linuxserver.io images do, so files written to
# the media volume belong to the user who owns the library.
set -e
PUID="${PUID:-1000}"
PGID="${PGID:-1000}"
mkdir -p "${VAULTARR_DATA_DIR:-/data}"
if [ "$(id -u)" = 0 ]; then
  chown "$PUID:$PGID" "${VAULTARR_DATA_DIR:-/data}"
  exec setpriv --reuid="$PUID" --regid="$PGID" --clear-groups node /app/dist/cli/vaultarr.js "$@"
fi
exec node /app/dist/cli/vaultarr.js "$@"
