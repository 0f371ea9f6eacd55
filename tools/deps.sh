#!/usr/bin/env bash
# make deps: install the Debian packages this project needs, when missing.
# Quick and silent when everything is present.
set -euo pipefail
PKGS=(make gcc clang clang-format libclang-rt-14-dev python3 gcc-riscv64-unknown-elf
      picolibc-riscv64-unknown-elf qemu-system-misc opensbi gdb-multiarch tshark chromium)
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "make deps: installing ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    SUDO=(sudo)
else
    echo "make deps: missing packages; run as root:" >&2
    echo "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "make deps: done"
