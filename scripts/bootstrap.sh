#!/usr/bin/env bash
# Installs what vaultarr needs and is missing, reusing whatever is cached; idempotent.
#  - Debian packages: postgresql, ffmpeg (ffprobe checks videos at intake; tests), fuse3 + mergerfs (union view), docker-compose (config check),
#    prometheus (promtool checks the metrics), apprise (notifications); with --test also chromium
#  - npm packages (npm ci when package-lock.json changed since the last install)
#  - the Temporal CLI v1.5.1 and rclone v1.76.0, built with `go install` into ~/.cache/vaultarr/bin
#    (outside the clone; every vaultarr entry point puts that folder first on PATH)
#  - the TypeScript build (dist/), incremental, and the workflow bundle (dist/workflow-bundle.js)
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'bootstrap: %s\n' "$*" >&2; }
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

# --- Debian packages ---------------------------------------------------------------------------
need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v ffmpeg >/dev/null || need+=(ffmpeg)
command -v mergerfs >/dev/null || need+=(mergerfs)
command -v fusermount3 >/dev/null || need+=(fuse3)
command -v docker-compose >/dev/null || need+=(docker-compose)
command -v promtool >/dev/null || need+=(prometheus)
command -v apprise >/dev/null || need+=(apprise)
# OpenSSH's server: the tests' SFTP vault is a real sshd on a loopback port (a seedbox's or a NAS's).
# Debian's own (older) rclone: the test that an rclone older than the minimum is refused runs it.
# A static busybox: the shell and md5sum/sha1sum inside the SFTP user's jail (a seedbox's shell).
if [ "${1:-}" = "--test" ]; then
  [ -x /usr/sbin/sshd ] || need+=(openssh-server)
  [ -x /usr/bin/rclone ] || need+=(rclone)
  dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)
fi
# Test-only (npm test passes --test): Debian's Chromium for the Web UI check (playwright-core drives it).
if [ "${1:-}" = "--test" ]; then command -v chromium >/dev/null || need+=(chromium); fi
if [ ${#need[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null; then
    log "installing Debian packages: ${need[*]}"
    $SUDO apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    # Debian starts a system cluster on install; vaultarr runs its own, so leave the system one alone.
  else
    log "missing ${need[*]} and no apt-get here: install them with your package manager"
    exit 1
  fi
fi

# --- npm packages ------------------------------------------------------------------------------
stamp=node_modules/.vaultarr-lock-hash
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -d node_modules ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "installing npm packages"
  # npm ci installs the lock as committed and never rewrites it, so the clone stays as it was.
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

# --- Temporal CLI ------------------------------------------------------------------------------
cache_bin="${XDG_CACHE_HOME:-$HOME/.cache}/vaultarr/bin"
if [ -n "${TEMPORAL_CLI:-}" ] && [ -x "${TEMPORAL_CLI}" ]; then
  :
elif command -v temporal >/dev/null || [ -x "$cache_bin/temporal" ]; then
  log "reusing the Temporal CLI $(command -v temporal || echo "$cache_bin/temporal")"
else
  command -v go >/dev/null || { log "Go is needed to build the Temporal CLI (apt-get install golang-go)"; exit 1; }
  log "building the Temporal CLI v1.5.1 into $cache_bin (a few minutes, once per machine)"
  mkdir -p "$cache_bin"
  GOBIN="$cache_bin" go install github.com/temporalio/cli/cmd/temporal@v1.5.1
fi

# --- rclone (pinned: lib/infra/rclone-binary.ts says which and why) ----------------------------
rclone_version=1.76.0
case "$("$cache_bin/rclone" version 2>/dev/null | head -1)" in
"rclone v$rclone_version" | "rclone v$rclone_version-"*) log "reusing rclone v$rclone_version in $cache_bin" ;;
*)
  command -v go >/dev/null || { log "Go is needed to build rclone (apt-get install golang-go)"; exit 1; }
  log "building rclone v$rclone_version into $cache_bin (a few minutes, once per machine)"
  mkdir -p "$cache_bin"
  tmp_bin=$(mktemp -d)
  GOBIN="$tmp_bin" go install "github.com/rclone/rclone@v$rclone_version"
  mv "$tmp_bin/rclone" "$cache_bin/rclone"
  rmdir "$tmp_bin"
  ;;
esac

# --- TypeScript build --------------------------------------------------------------------------
npx --no-install tsc -b tsconfig.build.json
# The workflow bundle workers load (webpack then never runs in a worker); skipped when fresh.
node dist/workers/build-bundle.js
