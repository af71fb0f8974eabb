"""CLI subcommands: `export` (ONNX, Python, torchrun folder) and `import-onnx`.

Registered by cnnrnn_studio.cli through add_commands(subparsers). Errors are StudioErrors, which
the CLI prints as one plain sentence with exit code 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import ExportError, OnnxImportError


def add_commands(sub: argparse._SubParsersAction) -> None:
    e = sub.add_parser(
        "export", help="export a network: verified ONNX, readable PyTorch code, a torchrun training folder",
        description="Export a project's network. Give one or more of --onnx, --python, --torchrun-script.")
    e.add_argument("project", help="the project file (.json), or the id of a template")
    e.add_argument("--onnx", metavar="OUT.onnx", help="write one verified ONNX file")
    e.add_argument("--python", metavar="OUT.py", help="write the network as a standalone PyTorch module")
    e.add_argument("--torchrun-script", metavar="OUT_DIR",
                   help="write a folder that trains the network with DDP on several GPUs or machines")
    e.add_argument("--weights", metavar="RUN_DIR|FILE",
                   help="trained weights: a training run folder or a .safetensors file")
    e.add_argument("--probabilities", action="store_true",
                   help="ONNX: add a second output 'probabilities' (softmax of the logits; classifiers)")
    e.set_defaults(func=cmd_export)

    i = sub.add_parser("import-onnx", help="turn an ONNX model into an editable project (with its weights)",
                       description="Import an ONNX model as blocks. Studio exports come back exactly; other models "
                                   "must be built from supported operators.")
    i.add_argument("model", metavar="MODEL.onnx")
    i.add_argument("-o", "--output", metavar="PROJECT.json", required=True, help="the project file to write")
    i.add_argument("--weights-out", metavar="WEIGHTS.safetensors",
                   help="where to write the weights (default: next to the project, same name, .safetensors)")
    i.add_argument("--force", action="store_true", help="replace existing files")
    i.set_defaults(func=cmd_import_onnx)


def cmd_export(args: argparse.Namespace) -> int:
    if not (args.onnx or args.python or args.torchrun_script):
        print("Error: say what to export: --onnx OUT.onnx, --python OUT.py and/or --torchrun-script OUT_DIR.",
              file=sys.stderr)
        return 2
    if args.probabilities and not args.onnx:
        print("Error: --probabilities goes with --onnx.", file=sys.stderr)
        return 2
    from .onnx import as_project

    project = as_project(args.project)
    project.check()
    if args.weights:
        from ..compile.weights import resolve_weights_path

        resolve_weights_path(args.weights)  # a missing file is reported before any work
    if args.python:
        from ..compile.codegen import python_source
        from ..files import atomic_write_bytes

        source = python_source(project)
        if args.weights:  # the code does not depend on weights, but check they fit so the pair is usable
            from ..compile.weights import load_weights

            load_weights(project.build_model(), args.weights)
        path = atomic_write_bytes(args.python, source.encode("utf-8"), ExportError)
        print(f"Wrote {path}: the network as a PyTorch module ({len(source.splitlines())} lines).")
    if args.onnx:
        from .onnx import export_onnx

        report = export_onnx(project, args.onnx, weights=args.weights, probabilities=args.probabilities)
        print(report.summary())
        for w in report.warnings:
            print(f"Warning: {w}")
    if args.torchrun_script:
        from .torchrun import export_torchrun_script

        report = export_torchrun_script(project, args.torchrun_script, weights=args.weights)
        print(report.summary())
        for w in report.warnings:
            print(f"Warning: {w}")
    return 0


def cmd_import_onnx(args: argparse.Namespace) -> int:
    from ..files import check_target, replace, temp_beside
    from .onnx_import import import_onnx
    from ..compile.weights import state_bytes

    out = Path(args.output).expanduser()
    weights_out = Path(args.weights_out).expanduser() if args.weights_out else out.with_suffix(".safetensors")
    if weights_out.resolve() == out.resolve():
        raise OnnxImportError("the project and the weights would be the same file; give --weights-out.")
    for target in (out, weights_out):
        check_target(target, OnnxImportError)
        if target.exists() and not args.force:
            raise OnnxImportError("exists already; choose another name or add --force to replace it.",
                                  where=str(target))
    notes: list[str] = []
    project, state = import_onnx(args.model, warnings=notes)  # nothing is written if this fails
    data = state_bytes(state, {"source": Path(args.model).name}) if state else None
    # Both files go to temporary names first and are renamed together at the end: all or nothing.
    with temp_beside(out, OnnxImportError) as tmp_project, temp_beside(weights_out, OnnxImportError) as tmp_weights:
        try:
            tmp_project.write_bytes(project.to_json().encode("utf-8"))
            if data is not None:
                tmp_weights.write_bytes(data)
        except OSError as e:
            raise OnnxImportError(f"could not be written ({e.strerror}); nothing was changed.", where=str(out)) from None
        if data is not None:
            replace(tmp_weights, weights_out, OnnxImportError)
        replace(tmp_project, out, OnnxImportError)
    blocks = len(project.graph) - 2
    print(f"Imported {args.model}: {blocks} block{'s' if blocks != 1 else ''}, verified against onnxruntime. "
          f"Wrote {out}" + (f" and its weights {weights_out}." if data is not None else "."))
    for n in notes:
        print(f"Note: {n}")
    return 0
