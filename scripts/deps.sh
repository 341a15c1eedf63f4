#!/usr/bin/env bash
# Installs what building and testing tinyforge needs, when it is missing.
# Debian packages only: cmake/gcc/make to build, clang + its runtime for the
# sanitizer and fuzzer builds, clang-format for the format check, valgrind for
# instruction-count benchmarks,
# cJSON for architecture specs, zlib and Fashion-MNIST (gzipped IDX) for the
# dataset reader, OpenBLAS for the training engine's matrix products; for the report test (tests/report.sh) python3,
# xmllint (libxml2-utils) and headless Chromium with a font to render text.
set -euo pipefail

need_cmds=(cmake gcc make clang clang-format valgrind python3 xmllint chromium)
missing=()
for c in "${need_cmds[@]}"; do command -v "$c" >/dev/null 2>&1 || missing+=("$c"); done
# The fuzzer/sanitizer runtime is a library, not a command.
if command -v clang >/dev/null 2>&1; then
  rt=$(clang -print-file-name=libclang_rt.fuzzer-x86_64.a 2>/dev/null || true)
  [ -f "$rt" ] || missing+=(libclang-rt)
fi
[ -f /usr/include/cjson/cJSON.h ] || missing+=(libcjson-dev)
[ -f /usr/include/zlib.h ] || missing+=(zlib1g-dev)
ls /usr/lib/*/libopenblas.so >/dev/null 2>&1 || missing+=(libopenblas-dev)
[ -f /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz ] || missing+=(dataset-fashion-mnist)
[ -d /usr/share/fonts/truetype/dejavu ] || missing+=(fonts-dejavu-core)
# libpng and libjpeg-turbo decode image-folder datasets (src/data/image.c).
[ -f /usr/include/png.h ] || missing+=(libpng-dev)
[ -f /usr/include/jpeglib.h ] || missing+=(libjpeg62-turbo-dev)
# The YOLO post-processing test (tests/yolo.sh): numpy for the independent
# reference, scikit-image for a real photograph (astronaut.png), both in
# Debian's Python.
/usr/bin/python3 -c "import numpy" >/dev/null 2>&1 || missing+=(python3-numpy)
/usr/bin/python3 -c "import skimage.data" >/dev/null 2>&1 || missing+=(python3-skimage)
[ ${#missing[@]} -eq 0 ] && exit 0

pkgs=(cmake gcc libc6-dev make clang clang-format libclang-rt-14-dev valgrind libcjson-dev zlib1g-dev libopenblas-dev
      dataset-fashion-mnist
      python3 libxml2-utils chromium fonts-dejavu-core)
pkgs+=(libpng-dev libjpeg62-turbo-dev)
pkgs+=(python3-numpy python3-skimage)
echo "deps: missing ${missing[*]}; installing Debian packages: ${pkgs[*]}"
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "deps: not root (or no apt-get): run 'sudo apt-get install ${pkgs[*]}' and retry" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
echo "deps: installed"
