#!/usr/bin/env bash
# System pieces that pip cannot provide: a CJK font (Chinese in the PDFs), Pango (WeasyPrint's
# text layout) and poppler-utils (pdftotext/pdftoppm, used by the tests). On Debian/Ubuntu as root
# they are installed with apt-get; anywhere else we stop and say what to install.
set -euo pipefail

missing=()
if ! command -v fc-list >/dev/null 2>&1 || [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then
  missing+=(fonts-noto-cjk)
fi
# Pango is looked up in the linker cache where there is one (Linux); elsewhere (macOS) WeasyPrint reports it
# itself. grep reads all of ldconfig's output (no -q): with pipefail, an early exit would SIGPIPE ldconfig
# and make a present library look missing.
if command -v ldconfig >/dev/null 2>&1 && ! ldconfig -p 2>/dev/null | grep 'libpango-1.0.so.0' >/dev/null; then
  missing+=(libpango-1.0-0 libpangoft2-1.0-0)
fi
if ! command -v pdftotext >/dev/null 2>&1; then
  missing+=(poppler-utils)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" fontconfig >/dev/null
  fc-cache -f >/dev/null 2>&1 || true
  exit 0
fi

cat >&2 <<MSG
setup: missing system packages: ${missing[*]}
  The PDFs need a Chinese (CJK) font, Pango for WeasyPrint, and poppler-utils for the tests.
  Debian/Ubuntu:  sudo apt-get install fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 poppler-utils
  macOS (Homebrew): brew install --cask font-noto-sans-cjk && brew install pango poppler
Then run make again.
MSG
exit 1
