#!/usr/bin/env bash
# Wrap the one-folder build in an AppImage:  make_appimage.sh dist/cnnrnn-studio OUT.AppImage
# Needs appimagetool (APPIMAGETOOL=path, or on PATH). It is in neither Debian's nor PyPI's
# packages; get it from the AppImage project's releases where the network allows.
set -euo pipefail
APP="$1"
OUT="$2"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ICON="$HERE/../../resources/icons/app/cnnrnn-studio-256.png"
TOOL="${APPIMAGETOOL:-$(command -v appimagetool)}"
APPDIR="$(dirname "$OUT")/CNN-RNN_Studio.AppDir"

rm -rf "$APPDIR"
mkdir -p "$APPDIR/usr/lib" "$APPDIR/usr/share/applications" "$APPDIR/usr/share/icons/hicolor/256x256/apps"
cp -a "$APP" "$APPDIR/usr/lib/cnnrnn-studio"
rm -f "$APPDIR/usr/lib/cnnrnn-studio/install.sh"   # the AppImage is the installer
cat > "$APPDIR/AppRun" <<'RUN'
#!/bin/sh
HERE="$(dirname "$(readlink -f "$0")")"
exec "$HERE/usr/lib/cnnrnn-studio/cnnrnn-studio" "$@"
RUN
chmod +x "$APPDIR/AppRun"
cp "$HERE/cnnrnn-studio.desktop" "$APPDIR/cnnrnn-studio.desktop"
cp "$HERE/cnnrnn-studio.desktop" "$APPDIR/usr/share/applications/"
cp "$ICON" "$APPDIR/cnnrnn-studio.png"
cp "$ICON" "$APPDIR/usr/share/icons/hicolor/256x256/apps/cnnrnn-studio.png"
ln -sf cnnrnn-studio.png "$APPDIR/.DirIcon"
ARCH="${ARCH:-$(uname -m)}" "$TOOL" --no-appstream "$APPDIR" "$OUT"
rm -rf "$APPDIR"
echo "AppImage: $OUT"
