"""How long the verified ONNX export takes for every template (target: under 10 s each).

For each template, side by side in one run:
  export   cnnrnn_studio.interop.onnx.export_onnx: trace, metadata, checker (full_check), onnxruntime
           vs torch at 2 batch sizes (and 2 lengths for a free time axis), atomic write;
  raw      the bare torch.onnx.export call the studio makes (the reference: no checks, no metadata);
  import   reading the file back into the studio (cnnrnn_studio.interop.onnx_import.import_onnx,
           itself verified against onnxruntime);
  python   generating the readable PyTorch module (compile.codegen.python_source).
Class names are passed in, so dataset loading is not timed. Best of --repeat runs.

    .venv/bin/python benchmarks/export_speed.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import platform
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    import torch

    from cnnrnn_studio.compile.codegen import python_source
    from cnnrnn_studio.interop.onnx import INPUT_NAMES, OPSET, export_onnx, random_inputs, valid_lengths
    from cnnrnn_studio.interop.onnx_import import import_onnx
    from cnnrnn_studio.project import list_templates, load_template

    torch.set_num_threads(max(1, torch.get_num_threads()))
    print(f"torch {torch.__version__}, Python {platform.python_version()}, {platform.machine()}, "
          f"{torch.get_num_threads()} threads; best of {args.repeat}")
    print(f"{'template':<18}{'params':>10}{'export s':>10}{'raw s':>8}{'import s':>10}{'python s':>10}"
          f"{'max diff':>10}")
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for t in list_templates():
            project = load_template(t.id)
            analysis = project.check()
            model = project.build_model().eval()
            n_out = analysis.output_spec.dims[0]
            names = [str(i) for i in range(n_out)] if analysis.task == "classification" else None
            path = Path(tmp) / f"{t.id}.onnx"
            report = None

            def do_export():
                nonlocal report
                report = export_onnx(project, path, model=model, class_names=names)

            spec = analysis.input_spec
            free = None in spec.dims
            sample = random_inputs(model, spec, 2, valid_lengths(project.graph, analysis)[0] if free else None,
                                   torch.Generator().manual_seed(0))
            name = INPUT_NAMES[spec.kind]

            def do_raw():
                with warnings.catch_warnings(), torch.no_grad():
                    warnings.simplefilter("ignore")
                    torch.onnx.export(model, (sample,), io.BytesIO(), dynamo=False, opset_version=OPSET,
                                      input_names=[name], output_names=["out"],
                                      dynamic_axes={name: {0: "b", 1: "t"} if free else {0: "b"}, "out": {0: "b"}},
                                      training=torch.onnx.TrainingMode.PRESERVE)

            export_s = best(do_export, args.repeat)
            raw_s = best(do_raw, args.repeat)
            import_s = best(lambda: import_onnx(path), args.repeat)
            python_s = best(lambda: python_source(project), args.repeat)
            n_params = sum(p.numel() for p in model.parameters())
            worst = max(worst, export_s)
            print(f"{t.id:<18}{n_params:>10,}{export_s:>10.2f}{raw_s:>8.2f}{import_s:>10.2f}{python_s:>10.3f}"
                  f"{report.max_abs_diff:>10.1e}")
    print(f"slowest export: {worst:.2f} s (target: under 10 s each)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
