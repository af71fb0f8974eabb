#!/usr/bin/env bash
# Build the one-folder app dist/cnnrnn-studio/ with PyInstaller from a clean virtual
# environment, then the Linux tarball (and an AppImage when appimagetool is on PATH).
#
#   packaging/build.sh              CPU build (torch==2.13.0)
#   packaging/build.sh --cuda       CUDA build: only the torch wheel changes
#   packaging/build.sh --smoke      ... then run the frozen app's smoke checks
#   packaging/build.sh --fresh      recreate the build virtual environment first
#
# Environment: PYTHON (interpreter for the venv, needs a shared libpython), TORCH_SPEC
# (default torch==2.13.0), TORCH_PIP_ARGS (extra pip arguments for the torch wheel only,
# e.g. "--index-url <PyTorch's CPU wheel index>"), CNNRNN_EXCLUDE (see the spec),
# APPIMAGETOOL (path of appimagetool). See packaging/README.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VARIANT=cpu
FRESH=0
SMOKE=0
for arg in "$@"; do
    case "$arg" in
        --cuda) VARIANT=cuda ;;
        --fresh) FRESH=1 ;;
        --smoke) SMOKE=1 ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) echo "build.sh: unknown option $arg (try --help)" >&2; exit 2 ;;
    esac
done

PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
TORCH_SPEC="${TORCH_SPEC:-torch==2.13.0}"
if [[ "$VARIANT" == cuda ]]; then
    # The CUDA build differs only in the torch wheel (and the artifact names): TORCH_PIP_ARGS must
    # point pip at PyTorch's CUDA wheel index ("--index-url <the index PyTorch's install page gives>").
    if [[ -z "${TORCH_PIP_ARGS-}" ]]; then
        echo "build.sh --cuda: set TORCH_PIP_ARGS to pip's --index-url for PyTorch's CUDA wheels (see packaging/README.md)" >&2
        exit 2
    fi
else
    TORCH_PIP_ARGS="${TORCH_PIP_ARGS-}"
fi
PYINSTALLER_SPEC="${PYINSTALLER_SPEC:-pyinstaller>=6.10}"

VENV="build/venv-$VARIANT"
WORK="build/pyinstaller-$VARIANT"
APP="dist/cnnrnn-studio"
START=$(date +%s)

step() { echo; echo "== $* ($(( $(date +%s) - START ))s)"; }

# 1. A clean virtual environment that holds only the app and PyInstaller. It is reused
#    while the interpreter, the torch wheel and pyproject.toml are unchanged.
STAMP_WANT="$("$PYTHON" -c 'import sys; print(sys.version)' | head -1)|$TORCH_SPEC|$TORCH_PIP_ARGS|$(sha256sum pyproject.toml | cut -c1-16)"
if [[ $FRESH == 1 || ! -f "$VENV/.stamp" || "$(cat "$VENV/.stamp")" != "$STAMP_WANT" ]]; then
    step "creating $VENV with $PYTHON"
    "$PYTHON" -c 'import sysconfig, sys; sys.exit(0 if sysconfig.get_config_var("Py_ENABLE_SHARED") or sys.platform != "linux" else "this Python has no shared libpython; PyInstaller needs one (pyenv: PYTHON_CONFIGURE_OPTS=--enable-shared)")'
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    step "installing $TORCH_SPEC $TORCH_PIP_ARGS (first, so pip never picks a CUDA wheel by accident)"
    # shellcheck disable=SC2086  # TORCH_PIP_ARGS is a list of words
    "$VENV/bin/python" -m pip install --quiet $TORCH_PIP_ARGS "$TORCH_SPEC"
    step "installing the app's dependencies and PyInstaller"
    "$VENV/bin/python" -m pip install --quiet . "$PYINSTALLER_SPEC"
    echo "$STAMP_WANT" > "$VENV/.stamp"
fi
step "installing the app itself and the current pyinstaller-hooks-contrib"
"$VENV/bin/python" -m pip install --quiet --upgrade pyinstaller-hooks-contrib
# --no-deps --force-reinstall: the app's code changes between builds, its dependencies don't.
"$VENV/bin/python" -m pip install --quiet --no-deps --force-reinstall .
"$VENV/bin/python" -m pip freeze > "$VENV/freeze.txt"
VERSION="$("$VENV/bin/python" -c 'import cnnrnn_studio; print(cnnrnn_studio.__version__)')"

# 2. PyInstaller, one-folder. The spec lists what is bundled and what is left out.
step "PyInstaller (one folder) -> $APP"
rm -rf "$APP"
"$VENV/bin/python" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath "$WORK" packaging/cnnrnn-studio.spec
cp packaging/linux/cnnrnn-studio.desktop packaging/linux/install.sh "$APP/"
cp resources/icons/app/cnnrnn-studio-256.png "$APP/cnnrnn-studio.png"
chmod +x "$APP/install.sh"

# 3. Linux tarball: one top folder, with the .desktop file, the icon and install.sh.
SUFFIX=""
[[ "$VARIANT" == cuda ]] && SUFFIX="-cuda"
ARCH="$(uname -m)"
TARBALL="dist/cnnrnn-studio-$VERSION-linux-$ARCH$SUFFIX.tar.gz"
step "tarball $TARBALL"
tar -C dist -czf "$TARBALL" cnnrnn-studio

# 4. AppImage, only where appimagetool exists (it is not in Debian's or PyPI's packages).
APPIMAGETOOL="${APPIMAGETOOL:-$(command -v appimagetool || true)}"
if [[ -n "$APPIMAGETOOL" ]]; then
    step "AppImage"
    export ARCH APPIMAGETOOL
    bash packaging/linux/make_appimage.sh "$APP" "dist/CNN-RNN_Studio-$VERSION-$ARCH$SUFFIX.AppImage"
else
    echo "(no appimagetool on PATH: AppImage skipped; see packaging/README.md)"
fi

ELAPSED=$(( $(date +%s) - START ))
{
    echo "CNN-RNN Studio $VERSION ($VARIANT) built $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -sm)"
    echo "build time: ${ELAPSED}s"
    echo "folder: $(du -sh "$APP" | cut -f1)"
    echo "tarball: $(du -h "$TARBALL" | cut -f1) $TARBALL"
    echo "torch: $(grep -i '^torch==' "$VENV/freeze.txt")"
    echo "pyinstaller: $(grep -i '^pyinstaller' "$VENV/freeze.txt" | tr '\n' ' ')"
    echo "exclusions: ${CNNRNN_EXCLUDE:-all}"
} | tee "dist/BUILD-INFO-$VARIANT.txt"

if [[ $SMOKE == 1 ]]; then
    step "smoke checks of the frozen app"
    bash packaging/smoke.sh "$APP"
fi
