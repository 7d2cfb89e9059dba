#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian 12 machine (run as root): the real peers the
# tests talk to (Postfix and its smtp-sink, swaks, dnsmasq for test DNS zones, openssl for test
# certificates, python3-dkim as an independent DKIM verifier, Debian's chromium for the web page's
# browser test: playwright's own browser downloads are not used; postgresql for the PostgreSQL
# backend's tests, which start a private cluster of their own), then the npm packages from the
# lockfile. Skips what is already present.
# Also used by `npm run bench` with --system-only (Postfix, smtp-sink and dnsmasq are its peers too).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v postfix >/dev/null 2>&1 || [ -x /usr/sbin/postfix ] || need+=(postfix)
command -v swaks >/dev/null 2>&1 || need+=(swaks)
[ -x /usr/sbin/dnsmasq ] || command -v dnsmasq >/dev/null 2>&1 || need+=(dnsmasq-base)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
# dkimpy: the independent DKIM verifier of test/dkim (it brings python3-dnspython and python3-nacl for Ed25519).
[ -f /usr/lib/python3/dist-packages/dkim/__init__.py ] || need+=(python3-dkim)
[ -x /usr/bin/chromium ] || need+=(chromium)
# The server binaries (initdb, pg_ctl, postgres) in /usr/lib/postgresql/<version>/bin: test/helpers/postgres.ts.
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "test-setup: missing Debian packages: ${need[*]}; run as root or: sudo apt-get install ${need[*]}" >&2
    exit 1
  fi
  echo "test-setup: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Postfix asks how to configure itself; the tests give it a private config dir, so: none.
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections 2>/dev/null || true
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# --system-only: the Debian packages only (what `npm run bench` needs besides an installed checkout).
[ "${1:-}" = "--system-only" ] && exit 0

if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  npm install --no-audit --no-fund
fi
