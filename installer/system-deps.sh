#!/bin/sh
# System packages Lotproof needs beside its Python dependencies:
#   tesseract (OCR of scanned documents), pdftoppm (rendering PDFs in tests and checks),
#   Xvfb (a virtual screen for screenshots; optional).
# Installs them with the platform's package manager where it can, and says what to do where it cannot.
missing_cmds=""
command -v tesseract >/dev/null 2>&1 || missing_cmds="$missing_cmds tesseract"
command -v pdftoppm  >/dev/null 2>&1 || missing_cmds="$missing_cmds pdftoppm"
[ -z "$missing_cmds" ] && exit 0

echo "Lotproof: installing system packages for:$missing_cmds"
if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" != "0" ]; then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO=""; fi
        if [ -z "$SUDO" ]; then
            echo "Lotproof: cannot install system packages without root. Run:" >&2
            echo "    sudo apt-get install -y tesseract-ocr tesseract-ocr-eng poppler-utils xvfb" >&2
            exit 1
        fi
    fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq >/dev/null && \
    $SUDO apt-get install -y -qq tesseract-ocr tesseract-ocr-eng poppler-utils xvfb >/dev/null || {
        echo "Lotproof: apt-get could not install tesseract-ocr/poppler-utils; install them by hand." >&2; exit 1; }
elif command -v dnf >/dev/null 2>&1; then
    sudo dnf install -y tesseract tesseract-langpack-eng poppler-utils xorg-x11-server-Xvfb || exit 1
elif command -v brew >/dev/null 2>&1; then
    brew install tesseract poppler || exit 1
else
    echo "Lotproof: please install Tesseract OCR (with English data) and poppler-utils (pdftoppm)," >&2
    echo "then run make again. Windows: see installer/README.md." >&2
    exit 1
fi
command -v tesseract >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 || {
    echo "Lotproof: tesseract or pdftoppm still missing after install." >&2; exit 1; }
