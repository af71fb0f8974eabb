#!/bin/sh
# Install CNN-RNN Studio for this user: a menu entry and an icon that point at this folder.
# Run it from the unpacked folder:  ./install.sh     Remove with:  ./install.sh --uninstall
# Nothing is copied out of this folder except the .desktop file and the icon; moving the
# folder later means running ./install.sh again.
set -eu
HERE="$(cd "$(dirname "$0")" && pwd)"
DATA="${XDG_DATA_HOME:-$HOME/.local/share}"
APPS="$DATA/applications"
ICON_DIR="$DATA/icons/hicolor/256x256/apps"
DESKTOP="$APPS/cnnrnn-studio.desktop"

if [ "${1:-}" = "--uninstall" ]; then
    rm -f "$DESKTOP" "$ICON_DIR/cnnrnn-studio.png"
    echo "Removed the menu entry. Delete this folder to remove the app: $HERE"
    exit 0
fi

mkdir -p "$APPS" "$ICON_DIR"
cp "$HERE/cnnrnn-studio.png" "$ICON_DIR/cnnrnn-studio.png"
# Point Exec at this folder's executable (quoted: the path may contain spaces).
sed "s|^Exec=.*|Exec=\"$HERE/cnnrnn-studio\" gui %f|" "$HERE/cnnrnn-studio.desktop" > "$DESKTOP.tmp"
mv "$DESKTOP.tmp" "$DESKTOP"
chmod +x "$DESKTOP"
# Refresh the menu and icon caches where the desktop has the tools (harmless without them).
if command -v update-desktop-database >/dev/null 2>&1; then update-desktop-database "$APPS" >/dev/null 2>&1 || true; fi
if command -v gtk-update-icon-cache >/dev/null 2>&1; then gtk-update-icon-cache -q "$DATA/icons/hicolor" >/dev/null 2>&1 || true; fi
echo "CNN-RNN Studio is in your applications menu (entry: $DESKTOP)."
