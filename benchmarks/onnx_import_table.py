"""Which real architectures the studio's ONNX import brings in, and whether they re-export exactly.

Two steps, with two Pythons (torchvision is not a dependency of the studio):

    # (a) with a Python that has torchvision: export every model into FOLDER
    python benchmarks/onnx_import_table.py export FOLDER [--only NAME ...]
    # (b) with the studio's Python: import each file, re-export it, print the table
    python benchmarks/onnx_import_table.py table FOLDER [--only NAME ...]

(a) exports torchvision's classification architectures (eval mode, random weights, batch 2) with the
legacy exporter (dynamo=False, opset 17) and the dynamo exporter (where they export), and LSTM/GRU/RNN
classifiers written the usual ways. Each export runs in a fresh process (an RNN export can leave state
behind that freezes the next one's length). For every file it also stores a fixed input and
onnxruntime's output for it (FILE.io.npz).

(b) imports each file with the studio (the same call as `cnnrnn-studio import-onnx`, which verifies
against onnxruntime), counts parameters (studio vs the original torch module, stored by step a),
re-exports the imported project with the studio's verified exporter, and prints the largest
difference between the re-exported file and onnxruntime on the ORIGINAL file for the stored input,
and whether it is within the studio's tolerance rule (cnnrnn_studio.interop.tolerance).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

VISION = ["resnet18", "vgg11", "alexnet", "mobilenet_v2", "mobilenet_v3_small", "squeezenet1_0", "googlenet",
          "inception_v3", "densenet121", "shufflenet_v2_x1_0", "efficientnet_b0"]
# recurrent classifiers: name -> (cell, how the last step is picked, bidirectional)
RECURRENT = {
    "lstm_last_step": ("LSTM", "out[:, -1]", False),
    "gru_last_step": ("GRU", "out[:, -1]", False),
    "rnn_last_step": ("RNN", "out[:, -1]", False),
    "lstm_h_n": ("LSTM", "h_n[-1]", False),
    "gru_h_n": ("GRU", "h_n[-1]", False),
    "lstm_bidirectional_last_step": ("LSTM", "out[:, -1]", True),
    "gru_bidirectional_h_n": ("GRU", "cat(h_n[-2], h_n[-1])", True),
}
EXPORTERS = ("legacy", "dynamo")


# --- (a) export, with torchvision --------------------------------------------------------------
def _recurrent_module(cell: str, pick: str, bidirectional: bool):
    import torch
    from torch import nn

    class Classifier(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.rnn = getattr(nn, cell)(8, 16, batch_first=True, bidirectional=bidirectional)
            self.fc = nn.Linear(16 * (2 if bidirectional else 1), 5)

        def forward(self, x):
            out, h = self.rnn(x)
            if cell == "LSTM":
                h = h[0]
            if pick == "out[:, -1]":
                return self.fc(out[:, -1])
            if pick == "h_n[-1]":
                return self.fc(h[-1])
            return self.fc(torch.cat([h[-2], h[-1]], dim=1))

    return Classifier()


def export_one(name: str, exporter: str, folder: Path) -> dict:
    import warnings

    import numpy as np
    import onnxruntime as ort
    import torch

    torch.manual_seed(0)
    if name in RECURRENT:
        model = _recurrent_module(*RECURRENT[name])
        x = torch.randn(2, 12, 8)
        dyn_legacy = {"x": {0: "batch", 1: "time"}, "logits": {0: "batch"}}
        dyn_shapes = {"x": {0: torch.export.Dim.DYNAMIC, 1: torch.export.Dim.DYNAMIC}}
    else:
        import torchvision

        kwargs = {"aux_logits": False, "init_weights": True} if name in ("googlenet", "inception_v3") else {}
        model = getattr(torchvision.models, name)(weights=None, **kwargs)
        size = 299 if name == "inception_v3" else 224
        x = torch.randn(2, 3, size, size)
        dyn_legacy = {"x": {0: "batch"}, "logits": {0: "batch"}}
        dyn_shapes = {"x": {0: torch.export.Dim.DYNAMIC}}
    model.eval()
    path = folder / f"{name}.{exporter}.onnx"
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        if exporter == "legacy":
            torch.onnx.export(model, (x,), str(path), dynamo=False, opset_version=17, input_names=["x"],
                              output_names=["logits"], dynamic_axes=dyn_legacy)
        else:
            torch.onnx.export(model, (x,), str(path), dynamo=True, input_names=["x"], output_names=["logits"],
                              dynamic_shapes=({k: v for k, v in dyn_shapes["x"].items()},), external_data=False)
        ref = model(x).numpy()
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = sess.run(None, {sess.get_inputs()[0].name: x.numpy()})[0]
    n_params = sum(p.numel() for p in model.parameters())
    np.savez(folder / f"{name}.{exporter}.io.npz", x=x.numpy(), y=got)
    info = {"params": int(n_params), "ort_vs_torch": float(np.max(np.abs(got - ref)))}
    (folder / f"{name}.{exporter}.json").write_text(json.dumps(info))
    return info


def export_all(folder: Path, only: list[str] | None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in VISION + list(RECURRENT):
        if only and name not in only:
            continue
        for exporter in EXPORTERS:
            t0 = time.perf_counter()
            r = subprocess.run([sys.executable, __file__, "_export_one", str(folder), name, exporter],
                               capture_output=True, text=True, timeout=900)
            status = "ok" if r.returncode == 0 else "FAILED: " + (r.stderr.strip().splitlines() or ["?"])[-1][:200]
            if r.returncode != 0:
                (folder / f"{name}.{exporter}.json").write_text(json.dumps({"export_error": status}))
            print(f"{name:32s} {exporter:7s} {status} ({time.perf_counter() - t0:.0f} s)", flush=True)


# --- (b) import, re-export, compare, with the studio -----------------------------------------
def _count(state) -> int:
    return int(sum(v.numel() for k, v in state.items() if v.is_floating_point()
                   and not k.endswith(("running_mean", "running_var"))))


def table_row(path: Path) -> dict:
    import tempfile

    import numpy as np

    from cnnrnn_studio.interop.onnx import cpu_session, export_onnx
    from cnnrnn_studio.interop.onnx_import import import_onnx
    from cnnrnn_studio.interop.tolerance import allowed_difference
    from cnnrnn_studio.errors import StudioError

    row: dict = {}
    try:
        project, state = import_onnx(path)
    except StudioError as e:
        row["imported"] = str(e).split(": ", 1)[-1].splitlines()[0][:160]
        return row
    row["imported"] = "yes"
    row["studio_params"] = _count(state)
    model = project.build_model()
    model.load_state_dict(state)
    io = np.load(path.parent / (path.name[: -len(".onnx")] + ".io.npz"))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "re.onnx"
        try:
            export_onnx(project, out, model=model)
        except StudioError as e:
            row["reexport"] = "refused: " + str(e)[:160]
            return row
        sess = cpu_session(str(out))
        x = io["x"]
        got = sess.run(None, {sess.get_inputs()[0].name: x.astype(np.float32)})[0]
    ref = io["y"].astype(np.float64)
    diff = float(np.max(np.abs(got.astype(np.float64).reshape(ref.shape) - ref)))
    row["reexport_diff"] = diff
    row["max_abs_output"] = float(np.max(np.abs(ref)))
    row["within_rule"] = diff <= allowed_difference(ref)
    return row


def table(folder: Path, only: list[str] | None) -> None:
    rows = []
    for name in VISION + list(RECURRENT):
        if only and name not in only:
            continue
        for exporter in EXPORTERS:
            meta_path = folder / f"{name}.{exporter}.json"
            if not meta_path.exists():
                continue
            meta = json.loads(meta_path.read_text())
            row = {"model": name, "exporter": exporter, "torch_params": meta.get("params")}
            if "export_error" in meta:
                row["imported"] = "(torch did not export it)"
            else:
                r = subprocess.run([sys.executable, __file__, "_row", str(folder / f"{name}.{exporter}.onnx")],
                                   capture_output=True, text=True, timeout=1800)
                if r.returncode != 0:
                    row["imported"] = "CRASH: " + (r.stderr.strip().splitlines() or ["?"])[-1][:160]
                else:
                    row.update(json.loads(r.stdout.strip().splitlines()[-1]))
            rows.append(row)
            _print_row(row)
    (folder / "table.json").write_text(json.dumps(rows, indent=1))


def _print_row(row: dict) -> None:
    params = f"{row.get('studio_params', '-')}/{row.get('torch_params', '-')}"
    if "reexport_diff" in row:
        diff = f"{row['reexport_diff']:.3g} (max |out| {row['max_abs_output']:.3g}, " \
               f"{'within' if row['within_rule'] else 'OUTSIDE'} rule)"
    else:
        diff = row.get("reexport", "-")
    print(f"| {row['model']} | {row['exporter']} | {row['imported']} | {params} | {diff} |", flush=True)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_export_one":
        export_one(sys.argv[3], sys.argv[4], Path(sys.argv[2]))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "_row":
        print(json.dumps(table_row(Path(sys.argv[2]))))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("step", choices=["export", "table"])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--only", nargs="*")
    args = ap.parse_args()
    if args.step == "export":
        export_all(args.folder, args.only)
    else:
        print("| model | exporter | imported? | parameters studio/torch | re-export max abs diff vs original |")
        print("|---|---|---|---|---|")
        table(args.folder, args.only)


if __name__ == "__main__":
    main()
