"""The command line: `cnnrnn-studio SUBCOMMAND ...` over the same core as the app.

No subcommand opens the GUI. Every error a person can cause is printed as a plain sentence
naming the place, with a non-zero exit code; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Sequence

from .errors import StudioError
from .interop import commands as interop_commands
from .kinds import format_shape
from .train import commands as train_commands

EXIT_INVALID = 1   # the project/network/data is not valid (argparse exits 2 for bad flags)


def _fmt_int(n: int) -> str:
    return f"{n:,}"


def cmd_check(args: argparse.Namespace) -> int:
    from .graph import summary_rows
    from .project import load_project_or_template

    p = load_project_or_template(args.project)
    a = p.analyze()
    rows = summary_rows(p.graph, a)
    problems = list(a.problems)
    data_problems: list[str] = []
    if a.ok and p.dataset is not None and not args.no_data:
        data_problems = _dataset_problems(p)
    if args.json:
        out = {
            "valid": a.ok and not data_problems,
            "blocks": [{"id": r["id"], "type": r["type"], "output_shape": r["output_shape"],
                        "params": r["params"], "macs": r["macs"], "frozen": r["frozen"]} for r in rows],
            "total_params": a.total_params, "trainable_params": a.trainable_params,
            "frozen_params": a.frozen_params, "total_macs": a.total_macs,
            "problems": [pr.to_dict() for pr in problems] + [
                {"block": None, "message": m, "code": "dataset", "field": None, "fix": None, "severity": "error"}
                for m in data_problems],
        }
        print(json.dumps(out))
    else:
        table = [("block", "type", "output shape", "params", "mult-adds")]
        for r in rows:
            shape = "?" if r["output_shape"] is None else format_shape(r["output_shape"])
            table.append((r["id"], r["type"] + (" (frozen)" if r["frozen"] else ""), shape, _fmt_int(r["params"]),
                          _fmt_int(r["macs"])))
        table.append(("total", "", "", _fmt_int(a.total_params), _fmt_int(a.total_macs)))
        widths = [max(len(row[i]) for row in table) for i in range(5)]
        for i, row in enumerate(table):
            print("  ".join(c.ljust(w) if j < 3 else c.rjust(w) for j, (c, w) in enumerate(zip(row, widths))))
            if i == 0 or i == len(table) - 2:
                print("  ".join("-" * w for w in widths))
        for pr in problems:
            print(f"{'Error' if pr.severity == 'error' else 'Warning'} in {pr}" if pr.block_id
                  else f"{'Error' if pr.severity == 'error' else 'Warning'}: {pr}")
        for m in data_problems:
            print(f"Error: {m}")
        if a.ok and not data_problems:
            print(f"The network is valid: {_fmt_int(a.total_params)} parameters, "
                  f"{_fmt_int(a.total_macs)} multiply-adds {a.macs_per}.")
        if a.frozen:
            print(f"Trainable parameters: {_fmt_int(a.trainable_params)}; frozen: {_fmt_int(a.frozen_params)} "
                  f"(in {len(a.frozen)} frozen block{'s' if len(a.frozen) != 1 else ''}, kept as they are "
                  "while training).")
    return 0 if a.ok and not data_problems else EXIT_INVALID


def _dataset_problems(project) -> list[str]:
    """Does the dataset fit the network? (Only when the data layer can load it.)"""
    from .project.fit import dataset_fit_problems

    try:
        return dataset_fit_problems(project)
    except StudioError as e:
        return [str(e)]


def cmd_blocks(args: argparse.Namespace) -> int:
    from .blocks import by_category
    from .blocks.docs import blocks_markdown

    if args.markdown:
        sys.stdout.write(blocks_markdown())
        return 0
    for cat, specs in by_category().items():
        if specs:
            print(f"{cat}: " + ", ".join(s.type for s in specs))
    return 0


def cmd_gui(args: argparse.Namespace) -> int:
    if getattr(args, "self_test", False):
        from .selfcheck import run_self_test

        return run_self_test()
    from .ui.shell.app import run_gui

    return run_gui(args)


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="cnnrnn-studio",
        description="CNN-RNN Studio: build, train and export CNNs, RNNs and hybrids. "
                    "With no command, the app opens.",
    )
    ap.add_argument("--version", action="version", version=_version())
    sub = ap.add_subparsers(dest="command", metavar="COMMAND")

    c = sub.add_parser("check", help="check a project: shapes, parameters, multiply-adds and problems")
    c.add_argument("project", help="a project file (or the id of a template, such as lenet5)")
    c.add_argument("--json", action="store_true", help="print one JSON object")
    c.add_argument("--no-data", action="store_true", help="do not load the dataset to check it fits")
    c.set_defaults(func=cmd_check)

    b = sub.add_parser("blocks", help="list the block types (--markdown: the full reference)")
    b.add_argument("--markdown", action="store_true")
    b.set_defaults(func=cmd_blocks)

    g = sub.add_parser("gui", help="open the app (the default)")
    g.add_argument("project", nargs="?")
    g.add_argument("--screenshot", metavar="PNG", help="render the main window to PNG and exit")
    g.add_argument("--force", action="store_true",
                   help="--screenshot: replace an existing file that an earlier screenshot did not write")
    g.add_argument("--self-test", action="store_true", help="run a scripted user journey offscreen and exit")
    g.set_defaults(func=cmd_gui)

    # Subcommands implemented next to the code they run (train, evaluate, export, import-onnx...).
    train_commands.add_commands(sub)
    interop_commands.add_commands(sub)
    return ap


def _subcommands(parser: argparse.ArgumentParser) -> set[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


def _is_project_file(first: str | None, parser: argparse.ArgumentParser) -> bool:
    """Is the first argument a project file rather than a subcommand or a flag?"""
    from pathlib import Path

    if not first or first.startswith("-") or first in _subcommands(parser):
        return False
    path = Path(first)
    return path.suffix.lower() == ".json" and path.is_file()


def _version() -> str:
    from .version import __version__

    return f"CNN-RNN Studio {__version__}"


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if _is_project_file(argv[0] if argv else None, parser):
        argv = ["gui", *argv]  # `cnnrnn-studio mynet.json` (a file manager's "Open with") opens the app on it
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        args = parser.parse_args(["gui", *argv])
    try:
        return int(args.func(args) or 0)
    except StudioError as e:
        print(f"Error: {e}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
        return 130
    finally:
        _stop_background_decoding()


def _stop_background_decoding() -> None:
    """An image cache still decoding in the background (a run that failed or was stopped in its first
    epoch) is stopped before the process ends: its half-made file is deleted, no worker is left."""
    fills = sys.modules.get("cnnrnn_studio.data.cache_fill")
    if fills is not None:
        fills.stop_all()


if __name__ == "__main__":
    sys.exit(main())
