#!/usr/bin/env bash
# Smoke-check a one-folder build:  packaging/smoke.sh [dist/cnnrnn-studio]
# Runs the frozen app from an empty folder with a throwaway home, so nothing can come from
# the source checkout or the developer's settings. Exit 0 when every check passed.
set -uo pipefail
APP="$(cd "${1:-dist/cnnrnn-studio}" && pwd)"
EXE="$APP/cnnrnn-studio"
[[ -x "$EXE.exe" ]] && EXE="$EXE.exe"
RES="$APP/_internal/resources"          # sys._MEIPASS/resources in PyInstaller >= 6
SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT
cd "$SCRATCH" || exit 1
export HOME="$SCRATCH/home" XDG_CONFIG_HOME="$SCRATCH/config" XDG_DATA_HOME="$SCRATCH/data" \
       XDG_CACHE_HOME="$SCRATCH/cache" QT_QPA_PLATFORM=offscreen
unset CNNRNN_STUDIO_RESOURCES PYTHONPATH PYTHONHOME
mkdir -p "$HOME"
FAILED=0

check() {  # check NAME COMMAND...: run, show the tail of its output, count failures
    local name="$1"; shift
    local t0=$SECONDS
    if "$@" > "$SCRATCH/out.txt" 2>&1; then
        echo "PASS  $name ($((SECONDS - t0))s)"
    else
        echo "FAIL  $name (exit $?, $((SECONDS - t0))s)"; FAILED=$((FAILED + 1))
    fi
    tail -n 8 "$SCRATCH/out.txt" | sed 's/^/      /'
}

check "--version" "$EXE" --version
check "--help" "$EXE" --help
check "check a bundled template" "$EXE" check "$RES/templates/digits_cnn.json"
check "check every bundled template (no data)" bash -c '
    for t in "$0"/templates/*.json; do "$1" check --no-data "$t" >/dev/null || { echo "failed: $t"; exit 1; }; done' "$RES" "$EXE"
for sub in train export; do
    if "$EXE" --help | grep -qE "^ +$sub( |$)"; then
        check "$sub --help" "$EXE" "$sub" --help
    else
        echo "SKIP  $sub --help (no '$sub' command in this build)"
    fi
done
if "$EXE" --help | grep -qE "^ +train( |$)"; then
    check "train digits_cnn for 1 epoch" "$EXE" train "$RES/templates/digits_cnn.json" --epochs 1 --out "$SCRATCH/run"
fi
if "$EXE" --help | grep -qE "^ +export( |$)"; then
    check "export the trained CNN to ONNX (verified)" "$EXE" export "$RES/templates/digits_cnn.json" \
        --weights "$SCRATCH/run" --onnx "$SCRATCH/digits.onnx"
    check "export an LSTM to ONNX (verified)" "$EXE" export "$RES/templates/lstm_classifier.json" \
        --onnx "$SCRATCH/lstm.onnx"
fi
check "gui --screenshot" "$EXE" gui --screenshot "$SCRATCH/window.png"
[[ -s "$SCRATCH/window.png" ]] && cp "$SCRATCH/window.png" "$APP/../smoke-window.png" && echo "      screenshot: dist/smoke-window.png"
check "gui --self-test" "$EXE" gui --self-test

echo "$FAILED check(s) failed"
exit $(( FAILED > 0 ))
