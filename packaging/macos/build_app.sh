#!/usr/bin/env bash
# macOS: build "dist/CNN-RNN Studio.app" (PyInstaller BUNDLE of the one-folder build) with
# an .icns icon made by iconutil, then the .dmg.  Run from anywhere on a Mac:
#   packaging/macos/build_app.sh            (then packaging/macos/make_dmg.sh runs by itself)
# PyPI's macOS torch wheel is the CPU/Apple-GPU (MPS) build; there is no CUDA on macOS.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3.11}"
TORCH_SPEC="${TORCH_SPEC:-torch==2.13.0}"
VENV=build/venv-macos

if [[ ! -x "$VENV/bin/python" ]]; then
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --upgrade pip
    "$VENV/bin/python" -m pip install "$TORCH_SPEC"          # first: pins the torch wheel
    "$VENV/bin/python" -m pip install . "pyinstaller>=6.10"
fi
"$VENV/bin/python" -m pip install --upgrade pyinstaller-hooks-contrib
"$VENV/bin/python" -m pip install --no-deps --force-reinstall .

# The icon: iconutil wants an .iconset folder of PNGs with these exact names.
ICONS=resources/icons/app
SET=build/cnnrnn-studio.iconset
rm -rf "$SET" && mkdir -p "$SET"
for s in 16 32 128 256 512; do
    cp "$ICONS/cnnrnn-studio-$s.png" "$SET/icon_${s}x${s}.png"
    if [[ $s -lt 512 ]]; then cp "$ICONS/cnnrnn-studio-$((s * 2)).png" "$SET/icon_${s}x${s}@2x.png"; fi
done
iconutil -c icns "$SET" -o build/cnnrnn-studio.icns

CNNRNN_ICNS="$ROOT/build/cnnrnn-studio.icns" "$VENV/bin/python" -m PyInstaller --noconfirm --clean \
    --distpath dist --workpath build/pyinstaller-macos packaging/cnnrnn-studio.spec
# A quick check that the bundled app starts and finds its templates.
"dist/CNN-RNN Studio.app/Contents/MacOS/cnnrnn-studio" check --no-data \
    "dist/CNN-RNN Studio.app/Contents/Resources/resources/templates/digits_cnn.json"

VERSION="$("$VENV/bin/python" -c 'import cnnrnn_studio; print(cnnrnn_studio.__version__)')"
bash packaging/macos/make_dmg.sh "dist/CNN-RNN Studio.app" "dist/cnnrnn-studio-$VERSION-macos-$(uname -m).dmg"
