#!/bin/sh
# System packages Lotproof needs beside its Python dependencies:
#   tesseract (OCR of scanned documents), pdftoppm (rendering PDFs in tests and checks),
#   the libraries Qt's X11 platform plugin loads (libqxcb.so: the workstation on a Linux desktop),
#   Xvfb (a virtual X screen: the test of the workstation on a real X display).
# Installs what is missing with the platform's package manager where it can and prints the exact
# command where it cannot; then checks with ldd that Qt's X11 plugin finds every library it needs.
#
# Usage: sh installer/system-deps.sh [VENV]     (VENV: where PySide6 is installed; default .venv)

VENV=${1:-.venv}

# What `ldd .../PySide6/Qt/plugins/platforms/libqxcb.so` needs (PySide6 6.7 to 6.11), as packages.
DEB_QT="libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
 libxcb-render0 libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-util1
 libxcb-xfixes0 libxcb-xkb1 libx11-6 libx11-xcb1 libxkbcommon0 libxkbcommon-x11-0 libegl1 libgl1
 libfontconfig1 libfreetype6 libdbus-1-3 libglib2.0-0"
DEB_TOOLS="tesseract-ocr tesseract-ocr-eng poppler-utils xvfb"
RPM_QT="libxcb xcb-util xcb-util-cursor xcb-util-wm xcb-util-image xcb-util-keysyms
 xcb-util-renderutil libX11 libX11-xcb libxkbcommon libxkbcommon-x11 libglvnd-egl libglvnd-glx
 fontconfig freetype dbus-libs glib2"
RPM_TOOLS="tesseract tesseract-langpack-eng poppler-utils xorg-x11-server-Xvfb"

say() { echo "Lotproof: $*" >&2; }

# Debian/Ubuntu packages of the list that are not installed. Ubuntu 24.04 and Debian 13 renamed
# some libraries with a t64 suffix (libglib2.0-0t64): either name counts as installed.
missing_debs() {
    for p in "$@"; do
        dpkg-query -W -f='${Status}\n' "$p" "${p}t64" 2>/dev/null | grep -q "ok installed" ||
            printf '%s ' "$p"
    done
}

missing_rpms() {
    for p in "$@"; do rpm -q "$p" >/dev/null 2>&1 || printf '%s ' "$p"; done
}

# How to run a command as root: directly, with sudo when it needs no password, or with sudo
# asking at a terminal; fails when none of these is possible.
find_root() {
    if [ "$(id -u)" = "0" ]; then
        AS_ROOT=""
    elif command -v sudo >/dev/null 2>&1 && { sudo -n true 2>/dev/null || [ -t 0 ]; }; then
        AS_ROOT="sudo"
    else
        return 1
    fi
}

# Installs the packages with the package manager's command ($1: "apt-get" or "dnf"), or says
# exactly what to run.
install_packages() {
    manager=$1; shift
    [ $# -eq 0 ] && return 0
    by_hand="sudo $manager install -y $*"
    [ "$manager" = apt-get ] && by_hand="sudo apt-get update && $by_hand"
    if ! find_root; then
        say "cannot install system packages without root. Run:"
        echo "    $by_hand" >&2
        return 1
    fi
    say "installing system packages: $*"
    if [ "$manager" = apt-get ]; then
        export DEBIAN_FRONTEND=noninteractive
        $AS_ROOT apt-get update -qq >/dev/null && $AS_ROOT apt-get install -y -qq "$@" >/dev/null
    else
        $AS_ROOT dnf install -y "$@"
    fi || {
        say "$manager could not install them. Run:"
        echo "    $by_hand" >&2
        return 1
    }
}

# The Debian package of a shared library by its soname (libxcb-icccm.so.4 -> libxcb-icccm4),
# from apt-file when it is installed, else by Debian's naming rule.
deb_for() {
    if command -v apt-file >/dev/null 2>&1; then
        found=$(apt-file search -l "/$1" 2>/dev/null | head -n 1)
        [ -n "$found" ] && { echo "$found"; return; }
    fi
    case "$1" in
        libglib-2.0.so.*|libgthread-2.0.so.*|libgobject-2.0.so.*) echo libglib2.0-0; return ;;
    esac
    echo "$1" | tr 'A-Z' 'a-z' | sed 's/\.so\.\([0-9]*\).*$/ \1/' |
        awk '{ if ($1 ~ /[0-9]$/) print $1 "-" $2; else print $1 $2 }'
}

# ldd of Qt's X11 platform plugin and its GL integrations: fails naming each missing library.
check_qt_xcb() {
    qt=$(ls -d "$VENV"/lib/python3*/site-packages/PySide6/Qt 2>/dev/null | head -n 1)
    if [ -z "$qt" ] || [ ! -f "$qt/plugins/platforms/libqxcb.so" ]; then
        say "PySide6 is not installed in $VENV yet; Qt's X11 libraries not checked."
        return 0
    fi
    command -v ldd >/dev/null 2>&1 || return 0
    notfound=$(for so in "$qt"/plugins/platforms/libqxcb.so "$qt"/plugins/xcbglintegrations/*.so; do
        [ -f "$so" ] && ldd "$so" 2>&1
    done | awk '/not found/ { print $1 }' | sort -u)
    [ -z "$notfound" ] && return 0
    say "Qt's X11 platform plugin ($qt/plugins/platforms/libqxcb.so) cannot load; ldd finds no:"
    packages=""
    for lib in $notfound; do
        package=$(deb_for "$lib")
        echo "    $lib    (Debian/Ubuntu package $package)" >&2
        packages="$packages $package"
    done
    say "install them, e.g.: sudo apt-get install -y$packages"
    return 1
}

install_debs() {
    # shellcheck disable=SC2046  # a list of words
    install_packages apt-get $(missing_debs $DEB_TOOLS $DEB_QT)
}

install_rpms() {
    # shellcheck disable=SC2046
    install_packages dnf $(missing_rpms $RPM_TOOLS $RPM_QT)
}

install_brew() {  # macOS: Qt uses Cocoa, so only the tools
    command -v tesseract >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 && return 0
    brew install tesseract poppler
}

if command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    install_debs || exit 1
elif command -v rpm >/dev/null 2>&1 && command -v dnf >/dev/null 2>&1; then
    install_rpms || exit 1
elif command -v brew >/dev/null 2>&1; then
    install_brew || exit 1
elif ! command -v tesseract >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1; then
    say "please install Tesseract OCR (with English data), poppler-utils (pdftoppm) and, on"
    say "Linux, Xvfb and the X11/xcb libraries Qt needs; then run make again."
    say "Windows: see installer/README.md."
    exit 1
fi

status=0
for cmd in tesseract pdftoppm; do
    command -v "$cmd" >/dev/null 2>&1 || { say "$cmd is still missing after the install."; status=1; }
done
if [ "$(uname -s)" = "Linux" ]; then
    command -v Xvfb >/dev/null 2>&1 || { say "Xvfb is still missing (package xvfb)."; status=1; }
    check_qt_xcb || status=1
fi
exit $status
