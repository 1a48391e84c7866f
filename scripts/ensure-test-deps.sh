#!/usr/bin/env bash
# Runs before `npm test`: makes sure the system packages the suite uses are present
# (Debian's redis-server; chromium for the browser test). Installs them with apt-get when it can.
# With arguments, only those (`npm start` asks for redis-server alone).
set -euo pipefail
wanted=("$@")
[ ${#wanted[@]} -eq 0 ] && wanted=(redis-server chromium)
missing=()
for p in "${wanted[@]}"; do command -v "$p" >/dev/null 2>&1 || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Portico needs: ${missing[*]}"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing with apt-get (once)..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "Installed: ${missing[*]}"
elif command -v sudo >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Install them with your package manager, e.g.: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
