"""Before `make run` on Linux: are the system libraries Qt's window plugin (xcb) needs installed?

Without them Qt stops with its own message ("Could not load the Qt platform plugin "xcb"...").
This prints the one `apt-get install` line that adds the missing ones and exits 1; elsewhere
(macOS, Windows, an offscreen or Wayland session) it says nothing and exits 0. Standard library only.
"""

from __future__ import annotations

import ctypes.util
import os
import sys

#: library name as ctypes.util.find_library knows it -> the Debian/Ubuntu package that has it
QT_XCB_LIBS = {
    "xcb-cursor": "libxcb-cursor0",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-keysyms": "libxcb-keysyms1",
    "xcb-image": "libxcb-image0",
    "xcb-render-util": "libxcb-render-util0",
    "xcb-shape": "libxcb-shape0",
    "xkbcommon-x11": "libxkbcommon-x11-0",
}


def missing_packages(find=ctypes.util.find_library) -> list[str]:
    return [pkg for lib, pkg in QT_XCB_LIBS.items() if find(lib) is None]


def install_line(packages: list[str]) -> str:
    return "sudo apt-get install " + " ".join(packages)


def main() -> int:
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if not sys.platform.startswith("linux") or (platform and not platform.startswith("xcb")):
        return 0
    missing = missing_packages()
    if not missing:
        return 0
    print("Qt needs these system libraries to open a window on Linux, and they are missing:\n"
          f"  {install_line(missing)}\n(then run `make run` again)", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
