"""Scoring a trained model on a split (normally the test split) into plain, JSON-ready numbers.

Classification: accuracy, per-class precision / recall / F1 / support, the confusion matrix (rows
= true class, columns = predicted class) and every sample's prediction, so the GUI can list the
samples behind a confusion cell. Regression: MAE and RMSE in the targets' ORIGINAL units (the
data layer standardises targets for training; meta's target_mean / target_std undo it).

Per-step data (a target at every time step) is scored over the steps that count (never padding
or unlabelled steps): accuracy is the share of those steps predicted right, the confusion matrix
counts steps, and "sample_of_step" says which sample each listed step belongs to.

CTC (label sequences): accuracy is the share of sequences read exactly right and "cer" the
character error rate (sum of edit distances / sum of label lengths); see _evaluate_ctc.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Callable, ContextManager

if TYPE_CHECKING:
    import torch

    from ..data import DataSplit
    from .control import TrainControl

EVAL_BATCH = 512  # no gradients are kept while scoring, so batches can be larger than in training


def _device_of(model: "torch.nn.Module") -> "torch.device":
    import torch

    for p in model.parameters():
        return p.device
    for b in model.buffers():
        return b.device
    return torch.device("cpu")


def predict_split(model: torch.nn.Module, split: DataSplit, batch_size: int = EVAL_BATCH,
                  device: torch.device | None = None, autocast: Callable[[], ContextManager[Any]] | None = None,
                  control: TrainControl | None = None) -> torch.Tensor | None:
    """The model's raw outputs [N, k] (float32, on ``device``) for every sample, in the split's order.

    Variable-length splits go through the data layer's bucketed batches (no padding ever), and the
    outputs are put back in sample order. Per-step outputs [n, T_i, k] of such a split are padded
    with zeros to the split's target length [N, T, k]; those steps are marked as not counting in
    its targets. Returns None if ``control`` asked to stop midway.
    """
    import torch

    device = device or _device_of(model)
    n = len(split)
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            if n == 0:
                return torch.zeros(0, 0, device=device)
            chunks: list[tuple[torch.Tensor | None, torch.Tensor]] = []
            if isinstance(split.x, list):
                from ..data import iter_batches

                batches = ((xb, idx) for xb, _, idx in iter_batches(split, batch_size, shuffle=False))
            else:
                batches = ((split.x[i:i + batch_size], None) for i in range(0, n, batch_size))
            for xb, idx in batches:
                if control is not None and control.stop_requested:
                    return None
                xb = xb.to(device, non_blocking=True)
                if autocast is not None:
                    with autocast():
                        out = model(xb)
                else:
                    out = model(xb)
                chunks.append((idx, out.float()))
            if isinstance(split.x, list) and split.per_step:
                steps = int(split.y.shape[1])
                chunks = [(i, torch.nn.functional.pad(o, (0, 0, 0, steps - o.shape[1]))) for i, o in chunks]
            elif isinstance(split.x, list) and chunks and chunks[0][1].dim() == 3:
                # per-step scores for CTC: shorter ones end in sure blanks, which change neither the
                # CTC loss nor the greedy reading
                from .ctc import pad_scores

                steps = max(o.shape[1] for _, o in chunks)
                chunks = [(i, pad_scores(o, steps)) for i, o in chunks]
            outs = torch.cat([o for _, o in chunks])
            if isinstance(split.x, list):
                order = torch.cat([i for i, _ in chunks]).to(device)
                result = torch.empty_like(outs)
                result[order] = outs
                outs = result
            return outs
    finally:
        model.train(was_training)


def classification_metrics(pred: list[int], true: list[int], class_names: list[str] | None,
                           n_classes: int | None = None) -> dict[str, Any]:
    k = n_classes or (len(class_names) if class_names else (max(pred + true, default=-1) + 1))
    names = list(class_names) if class_names else [str(i) for i in range(k)]
    cm = [[0] * k for _ in range(k)]
    for t, p in zip(true, pred):
        cm[t][p] += 1
    n = len(true)
    correct = sum(cm[i][i] for i in range(k))
    per_class = []
    for c in range(k):
        tp = cm[c][c]
        predicted = sum(cm[r][c] for r in range(k))
        support = sum(cm[c])
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class.append({"class": names[c], "precision": precision, "recall": recall, "f1": f1,
                          "support": support})
    present = [pc for pc in per_class if pc["support"]]
    return {
        "task": "classification",
        "n": n,
        "accuracy": correct / n if n else None,
        "macro_f1": sum(pc["f1"] for pc in present) / len(present) if present else None,
        "class_names": names,
        "per_class": per_class,
        "confusion_matrix": cm,
        "predictions": list(pred),
        "targets": list(true),
    }


def regression_metrics(pred: torch.Tensor, true: torch.Tensor, meta: dict | None) -> dict[str, Any]:
    """``pred``/``true``: [N, k] standardised; the metrics are in the original units."""
    import torch

    pred, true = unstandardise(pred, meta), unstandardise(true, meta)
    n = int(true.shape[0])
    err = (pred - true).double()
    if n:
        mae_t = err.abs().mean(0)
        rmse_t = err.pow(2).mean(0).sqrt()
        mae, rmse = float(err.abs().mean()), float(math.sqrt(float(err.pow(2).mean())))
    else:
        mae_t = rmse_t = torch.zeros(0)
        mae = rmse = None
    return {
        "task": "regression",
        "n": n,
        "mae": mae,
        "rmse": rmse,
        "per_target": [{"mae": float(a), "rmse": float(b)} for a, b in zip(mae_t, rmse_t)] if n else [],
        "predictions": pred.tolist(),   # [N][k], original units
        "targets": true.tolist(),
    }


def unstandardise(values: torch.Tensor, meta: dict | None) -> torch.Tensor:
    """Standardised targets [N, k] back to original units (unchanged without target_mean/std)."""
    import torch

    values = values.detach().float().cpu()
    if values.dim() == 1:
        values = values[:, None]
    meta = meta or {}
    mean, std = meta.get("target_mean"), meta.get("target_std")
    if mean is None or std is None:
        return values
    return values * torch.as_tensor(std, dtype=torch.float32) + torch.as_tensor(mean, dtype=torch.float32)


def evaluate(model: torch.nn.Module, split: DataSplit, task: str, class_names: list[str] | None = None,
             meta: dict | None = None, *, batch_size: int = EVAL_BATCH) -> dict[str, Any]:
    """Score ``model`` on ``split``; see the module docstring for what comes back."""
    import torch

    outs = predict_split(model, split, batch_size)
    y = split.y
    if task == "ctc":
        return _evaluate_ctc(outs, y, class_names)
    if split.per_step:
        return _evaluate_steps(outs, y, task, class_names, meta)
    if task == "classification":
        n_classes = len(class_names) if class_names else (int(outs.shape[1]) if outs.numel() else None)
        if len(split) == 0:
            return classification_metrics([], [], class_names, n_classes)
        loss = float(torch.nn.functional.cross_entropy(outs, y.to(outs.device)))
        result = classification_metrics(outs.argmax(1).tolist(), y.tolist(), class_names, n_classes)
        result["loss"] = loss
        return result
    if task == "regression":
        if len(split) == 0:
            return regression_metrics(torch.zeros(0, 1), torch.zeros(0, 1), meta)
        yt = y.to(outs.device).float().reshape(outs.shape)
        loss = float(torch.nn.functional.mse_loss(outs, yt))
        result = regression_metrics(outs, yt, meta)
        result["loss"] = loss
        return result
    raise ValueError(f"unknown task {task!r}")


def _evaluate_steps(outs: torch.Tensor, y: torch.Tensor, task: str, class_names: list[str] | None,
                    meta: dict | None) -> dict[str, Any]:
    """Scores over the counted steps of per-step targets (see the module docstring)."""
    import torch

    from .losses import make_loss

    y = y.to(outs.device)
    if task == "classification":
        n_classes = len(class_names) if class_names else (int(outs.shape[-1]) if outs.numel() else None)
        if y.numel() == 0:
            result = classification_metrics([], [], class_names, n_classes)
            result.update(per_step=True, sample_of_step=[])
            return result
        known = y != -1
        loss = float(make_loss("classification", True)(outs, y))
        pred = outs.argmax(-1)
        result = classification_metrics(pred[known].tolist(), y[known].tolist(), class_names, n_classes)
        result["loss"] = loss
        result["per_step"] = True
        result["sample_of_step"] = known.nonzero()[:, 0].tolist()
        return result
    if task == "regression":
        k = int(y.shape[-1]) if y.dim() == 3 else 1
        if y.numel() == 0:
            result = regression_metrics(torch.zeros(0, k), torch.zeros(0, k), meta)
            result["per_step"] = True
            return result
        y = y.float().reshape(outs.shape)
        loss = float(make_loss("regression", True)(outs, y))
        pred_u, true_u = unstandardise_steps(outs, meta), unstandardise_steps(y, meta)
        known = ~torch.isnan(true_u)
        err = (pred_u - torch.nan_to_num(true_u)).double()
        err = torch.where(known, err, torch.zeros((), dtype=err.dtype))
        counts = known.sum(dim=(0, 1)).clamp(min=1).double()
        n = int(known.sum())
        mae = float(err.abs().sum() / max(n, 1)) if n else None
        rmse = math.sqrt(float(err.pow(2).sum() / max(n, 1))) if n else None
        mae_t = err.abs().sum(dim=(0, 1)) / counts
        rmse_t = (err.pow(2).sum(dim=(0, 1)) / counts).sqrt()
        # JSON has no NaN: a step that does not count has no target (null)
        targets = [[[None if math.isnan(v) else v for v in step] for step in sample] for sample in true_u.tolist()]
        return {
            "task": "regression",
            "n": n,
            "mae": mae,
            "rmse": rmse,
            "per_target": [{"mae": float(a), "rmse": float(b)} for a, b in zip(mae_t, rmse_t)],
            "predictions": pred_u.tolist(),   # [N][T][k], original units
            "targets": targets,
            "loss": loss,
            "per_step": True,
        }
    raise ValueError(f"unknown task {task!r}")


def _evaluate_ctc(outs: torch.Tensor, y: torch.Tensor, class_names: list[str] | None) -> dict[str, Any]:
    """Label sequences read greedily: accuracy = share of sequences read exactly, cer = character
    error rate (sum of edit distances / sum of label lengths); "predictions" and "targets" are
    symbol-id lists, "read" and "true" the same as text (symbols joined)."""
    from .ctc import as_lists, character_error_rate, edit_distance, greedy_decode, spell
    from .losses import make_loss

    names = list(class_names) if class_names else None
    if len(y) == 0:
        return {"task": "ctc", "n": 0, "accuracy": None, "cer": None, "class_names": names, "blank_index": 0,
                "predictions": [], "targets": [], "read": [], "true": [], "edit_distances": []}
    y = y.to(outs.device)
    loss = float(make_loss("ctc")(outs, y))
    read, true = as_lists(greedy_decode(outs)), as_lists(y)
    n = len(true)
    return {
        "task": "ctc",
        "n": n,
        "accuracy": sum(r == t for r, t in zip(read, true)) / n,
        "cer": character_error_rate(read, true),
        "loss": loss,
        "class_names": names,
        "blank_index": 0,   # score 0 of the network's C is the blank; score i + 1 is class_names[i]
        "predictions": read,
        "targets": true,
        "read": [spell(r, names) for r in read],
        "true": [spell(t, names) for t in true],
        "edit_distances": [edit_distance(r, t) for r, t in zip(read, true)],
    }


def unstandardise_steps(values: torch.Tensor, meta: dict | None) -> torch.Tensor:
    """Standardised per-step targets [N, T, k] back to original units (NaN stays NaN)."""
    import torch

    values = values.detach().float().cpu()
    meta = meta or {}
    mean, std = meta.get("target_mean"), meta.get("target_std")
    if mean is None or std is None:
        return values
    return values * torch.as_tensor(std, dtype=torch.float32) + torch.as_tensor(mean, dtype=torch.float32)
