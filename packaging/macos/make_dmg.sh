#!/usr/bin/env bash
# Wrap an .app in a compressed disk image with a shortcut to /Applications (drag to install):
#   packaging/macos/make_dmg.sh "dist/CNN-RNN Studio.app" dist/cnnrnn-studio-0.1.0-macos-arm64.dmg
set -euo pipefail
APP="$1"
DMG="$2"
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
rm -f "$DMG"
hdiutil create -volname "CNN-RNN Studio" -srcfolder "$STAGE" -ov -format UDZO "$DMG"
echo "disk image: $DMG"
