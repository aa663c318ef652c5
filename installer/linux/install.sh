#!/bin/sh
# Install (or, with --uninstall, remove) this Lotproof folder for the current user: a `lotproof`
# command in ~/.local/bin, the menu entry and the icons. Nothing is copied: run it from where the
# folder is to stay, e.g. ~/.local/opt/lotproof or /opt/lotproof (as root: for every user).
set -e
here="$(cd "$(dirname "$0")" && pwd)"
if [ "$(id -u)" = "0" ]; then
    bin=/usr/local/bin; share=/usr/local/share
else
    bin="$HOME/.local/bin"; share="${XDG_DATA_HOME:-$HOME/.local/share}"
fi
apps="$share/applications"; icons="$share/icons/hicolor"
if [ "$1" = "--uninstall" ]; then
    rm -f "$bin/lotproof" "$apps/lotproof.desktop"
    for size in 16 24 32 48 64 128 256 512; do rm -f "$icons/${size}x${size}/apps/lotproof.png"; done
    rm -f "$icons/scalable/apps/lotproof.svg"
    echo "Lotproof removed from the menu ($here itself is left in place)."
    exit 0
fi
mkdir -p "$bin" "$apps" "$icons/scalable/apps"
ln -sf "$here/lotproof" "$bin/lotproof"
for size in 16 24 32 48 64 128 256 512; do
    mkdir -p "$icons/${size}x${size}/apps"
    cp "$here/share/icons/lotproof-$size.png" "$icons/${size}x${size}/apps/lotproof.png"
done
cp "$here/share/icons/lotproof.svg" "$icons/scalable/apps/lotproof.svg"
sed "s|^Exec=.*|Exec=$here/lotproof|; s|^TryExec=.*|TryExec=$here/lotproof|" \
    "$here/share/lotproof.desktop" > "$apps/lotproof.desktop"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$apps" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q "$icons" 2>/dev/null || true
echo "Lotproof installed: 'lotproof' in $bin, and in the applications menu."
