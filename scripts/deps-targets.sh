#!/usr/bin/env bash
# Installs what building and running tinyforge firmware needs, when it is
# missing: the Arm (C and C++) and RISC-V bare-metal cross compilers with picolibc (and
# newlib, which arm-none-eabi-gcc's own specs expect), QEMU for the Cortex-M
# boards (qemu-system-arm) and for rv32 `virt` (qemu-system-misc), and the
# host gcc that builds the instruction-count plugin (it needs no QEMU or glib
# headers: targets/qemu/insn_count.c declares the API itself).
set -euo pipefail

need_cmds=(arm-none-eabi-gcc riscv64-unknown-elf-gcc qemu-system-arm qemu-system-riscv32 gcc timeout)
missing=()
for c in "${need_cmds[@]}"; do command -v "$c" >/dev/null 2>&1 || missing+=("$c"); done
[ -f /usr/lib/picolibc/arm-none-eabi/picolibc.specs ] || missing+=(picolibc-arm-none-eabi)
[ -f /usr/lib/picolibc/riscv64-unknown-elf/picolibc.specs ] || missing+=(picolibc-riscv64-unknown-elf)
[ -d /usr/lib/arm-none-eabi/newlib ] || missing+=(libnewlib-arm-none-eabi)
# arm-none-eabi-g++ comes with gcc-arm-none-eabi; linking a C++ firmware main
# (tests/firmware.sh) needs picolibc's libstdc++ as well.
[ -f /usr/lib/picolibc/arm-none-eabi/lib/libstdc++.a ] || missing+=(libstdc++-arm-none-eabi-picolibc)
[ ${#missing[@]} -eq 0 ] && exit 0

pkgs=(gcc-arm-none-eabi picolibc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-picolibc qemu-system-arm
      gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf qemu-system-misc gcc libc6-dev coreutils)
echo "deps-targets: missing ${missing[*]}; installing Debian packages: ${pkgs[*]}"
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "deps-targets: not root (or no apt-get): run 'sudo apt-get install ${pkgs[*]}' and retry" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
echo "deps-targets: installed"
