"""Does the project's dataset fit its network? Plain sentences that name the block and the fix.

`data_problems` gives each finding as a graph `Problem` on the block concerned, with a one-click
fix where one is known (the editor shows them on the canvas and in Messages); `fit_problems` is
the same findings as sentences: `check` prints these; `train` refuses to start while there are any.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from ..blocks import REGISTRY
from ..errors import StudioError
from ..graph import Problem
from ..kinds import format_shape, kind_title

if TYPE_CHECKING:
    from ..data import Dataset
    from ..graph import Graph
    from .file import Project

# Blocks that keep the number of features (declared `keeps_size`), so the size the Output sees
# comes from further back.
SAME_SIZE = {t for t, spec in REGISTRY.items() if spec.keeps_size}


class DatasetError(StudioError):
    """The project's dataset cannot be loaded (bad spec, missing or broken file)."""


def outside_data(project: Project, base_dir: Path | None = None) -> list[tuple[str, Path]]:
    """The dataset's files that lie outside the project's folder (by '..', an absolute path or a
    link): [(role, full path)]. `export --torchrun-script` refuses them unless allowed; the app
    asks about them once when such a project is opened."""
    from ..data.files import data_paths, outside_folder

    base = base_dir if base_dir is not None else project.base_dir
    return [(role, p) for role, p in data_paths(project.dataset, base) if outside_folder(p, base)]


def full_location(path: Path) -> str:
    """The path as the project spells it, and where it really leads when that differs ('..' or a link)."""
    try:
        real = Path(path).resolve()
    except (OSError, RuntimeError):
        return str(path)
    return str(path) if real == Path(path) else f"{path} (that is {real})"


def refused_data_problem(project: Project, base_dir: Path | None = None) -> str | None:
    """Why the dataset is not read, when it names a file the person chose not to let this project
    read (`Project.refused_data`, set by the app); None when it may be read."""
    if not project.refused_data:
        return None
    for role, path in outside_data(project, base_dir):
        if path in project.refused_data:
            base = Path(base_dir if base_dir is not None else project.base_dir).absolute()
            return (f"The dataset's {role} {full_location(path)} is outside the project's folder ({base}), and you chose not "
                    "to let this project read files there, so it was not read. If you trust it, allow it with "
                    "File → Data outside the project's folder…; or move the file into the project's folder.")
    return None


def load_project_dataset(project: Project, *, base_dir: Path | None = None, seed: int | None = None,
                         validation_split: float | None = None, **reporting: Any) -> Dataset:
    """data.load_dataset for the project's dataset, with the training section's seed and validation share
    (``reporting``: load_dataset's ``progress`` and ``cancel``). Data the person chose not to let
    this project read (see `refused_data_problem`) is never opened."""
    from ..data import DataError, load_dataset

    if not project.dataset:
        raise DatasetError("The project has no dataset: choose one (a built-in dataset or your own files) "
                           "before training.")
    refused = refused_data_problem(project, base_dir)
    if refused is not None:
        raise DatasetError(refused)
    if seed is None or validation_split is None:
        from .training import TrainConfig

        cfg = TrainConfig.from_dict(project.training)
        seed = cfg.seed if seed is None else seed
        validation_split = cfg.validation_split if validation_split is None else validation_split
    try:
        return load_dataset(project.dataset, base_dir if base_dir is not None else project.base_dir,
                            seed=seed, validation_split=validation_split, **reporting)
    except DataError as e:
        raise DatasetError(f"The dataset cannot be loaded: {e}") from None


def dataset_fit_problems(project: Project) -> list[str]:
    """Load the project's dataset and list every way it does not fit the network (empty = fits)."""
    dataset = load_project_dataset(project)
    return fit_problems(project, dataset)


def _shape(dims: Sequence[int | None]) -> str:
    return format_shape(dims, open_axis="null")



def size_source(graph: Graph, output_id: str) -> tuple[str, str] | None:
    """The block that decides how many numbers reach the Output, and its type."""
    preds = graph.inputs_of(output_id)
    bid = preds[0] if preds else None
    while bid is not None:
        btype = graph.block(bid).type
        if btype not in SAME_SIZE:
            return bid, btype
        preds = graph.inputs_of(bid)
        bid = preds[0] if preds else None
    return None


def _block_words(graph: Graph, bid: str, btype: str) -> str:
    from ..blocks import REGISTRY

    spec = REGISTRY.get(btype)
    return f"{spec.label if spec else btype} '{bid}'"


def _set(block_id: str, params: dict, label: str) -> dict:
    """A one-click fix that changes some of a block's settings (the editor's "set_params" action)."""
    return {"action": "set_params", "block": block_id, "params": params, "label": label}


def _problem(block_id: str | None, message: str, field: str | None = None, fix: dict | None = None) -> Problem:
    return Problem(block_id, message, "data", field=field, fix=fix)


def data_problems(project: Project, dataset: Dataset) -> list[Problem]:
    """Every way a loaded Dataset does not fit the project's network, each a graph `Problem`
    (code "data") on the block to change, with a one-click fix where one is known (empty = fits)."""
    graph = project.graph
    a = project.analyze()
    problems: list[Problem] = []
    data_shape = tuple(dataset.sample_shape)

    # 1. The Input: kind and shape.
    if a.input_id is not None and a.input_id in a.params:
        iid = a.input_id
        p = a.params[iid]
        kind, shape = p["kind"], tuple(p["shape"])
        variable = any(d is None for d in data_shape)

        def set_input(dims: Sequence[int | None]) -> dict:
            return _set(iid, {"kind": dataset.kind, "shape": list(dims)},
                        f"Set the Input to {kind_title(dataset.kind)} {_shape(dims)}")

        expects = f"The Input '{iid}' expects {kind_title(kind)} {_shape(shape)} but the data gives " \
                  f"{kind_title(dataset.kind)} {_shape(data_shape)}"
        if kind != dataset.kind:
            problems.append(_problem(
                iid, f"{expects}: set the Input kind to {dataset.kind} and the shape to {_shape(data_shape)}.",
                "kind", set_input(data_shape)))
        elif len(shape) != len(data_shape):
            problems.append(_problem(iid, f"{expects}: set the Input shape to {_shape(data_shape)}.", "shape",
                                     set_input(data_shape)))
        else:
            # An open (null) time axis in the Input accepts any length; a fixed one must match.
            mismatch = any(s is not None and s != d for s, d in zip(shape, data_shape))
            if variable and shape[0] is not None:
                fix = set_input(data_shape)
                problems.append(_problem(
                    iid, f"The data's sequences have different lengths, but the Input '{iid}' fixes the time "
                         f"axis at {shape[0]}: set the Input shape to {_shape(data_shape)} (null = any length).",
                    "shape", fix))
                mismatch = any(s is not None and d is not None and s != d
                               for s, d in zip(shape[1:], data_shape[1:]))
                if mismatch:
                    problems.append(_problem(iid, f"{expects}.", "shape", fix))
            elif mismatch:
                fixed = tuple(d if s is not None or d is None else None for s, d in zip(shape, data_shape))
                problems.append(_problem(iid, f"{expects}: set the Input shape to {_shape(fixed)}.", "shape",
                                         set_input(fixed)))

    # 2. The Output: task and size.
    out_spec = a.output_spec
    if a.output_id is not None and a.output_id in a.params:
        oid = a.output_id
        task = a.params[oid]["task"]
        steps_problem = (_per_step_problem(graph, oid, out_spec, dataset)
                         if out_spec is not None and task != "ctc" else None)
        if task != dataset.task:
            problems.append(_problem(
                oid, f"The Output '{oid}' is set to {task} but the data is for {dataset.task}: "
                     f"set the Output task to {dataset.task}.",
                "task", _set(oid, {"task": dataset.task}, f"Set the Output task to {dataset.task}")))
        elif task == "ctc":
            if out_spec is not None:
                problems.extend(_ctc_problems(graph, oid, out_spec, dataset, a.input_id))
        elif steps_problem is not None:
            problems.append(steps_problem)
        elif out_spec is not None and out_spec.kind in ("vector", "sequence"):
            got = out_spec.dims[-1]
            want = (len(dataset.class_names) if dataset.task == "classification" and dataset.class_names
                    else dataset.n_outputs)
            if want and got != want:
                what = (f"{want} classes" if dataset.task == "classification"
                        else f"{want} target{'s' if want != 1 else ''} to predict")
                if out_spec.kind == "sequence":
                    what += " at every step"
                problems.append(_size_problem(graph, oid, got, want, f"The data has {what} but "))

    # 3. Words: every word id must have a row in the Embedding.
    if dataset.kind == "tokens":
        vocab = vocab_size(dataset)
        for bid in graph.of_type("Embedding"):
            if bid not in a.params:
                continue
            n = a.params[bid]["num_embeddings"]
            if vocab > n:
                problems.append(_problem(
                    bid, f"The data's vocabulary has {vocab:,} words (ids 0 to {vocab - 1:,}) but the Embedding "
                         f"'{bid}' has room for {n:,}: set its Vocabulary size to at least {vocab:,}.",
                    "num_embeddings",
                    _set(bid, {"num_embeddings": vocab}, f"Set the Embedding's vocabulary size to {vocab:,}")))
    return problems


def _size_problem(graph: Graph, output_id: str, got: int, want: int, start: str) -> Problem:
    """The network gives `got` numbers where the data needs `want`: on the block that decides it."""
    src = size_source(graph, output_id)
    if src is None:
        return _problem(output_id, f"{start}the network gives {got} numbers to the Output '{output_id}'.")
    bid, btype = src
    if btype == "Dense":
        return _problem(bid, f"{start}the last {_block_words(graph, bid, btype)} gives {got}: set its Outputs "
                             f"to {want}.",
                        "out_features", _set(bid, {"out_features": want}, f"Set the last Dense to {want} outputs"))
    return _problem(output_id, f"{start}the last {_block_words(graph, bid, btype)} gives {got}: add a Dense with "
                               f"{want} outputs before the Output '{output_id}'.")


def fit_problems(project: Project, dataset: Dataset) -> list[str]:
    """The data-fit problems as plain sentences (what `check` prints and `train` refuses on)."""
    return [p.message for p in data_problems(project, dataset)]


RECURRENT = {t for t, spec in REGISTRY.items()
             if any(p.name == "return_sequences" for p in spec.params)}


def _last_recurrent(graph: Graph, output_id: str) -> str | None:
    """The nearest block with an 'Output every step' switch on the way back from the Output."""
    preds = graph.inputs_of(output_id)
    bid = preds[0] if preds else None
    while bid is not None:
        if graph.block(bid).type in RECURRENT:
            return bid
        preds = graph.inputs_of(bid)
        bid = preds[0] if preds else None
    return None


def _data_steps(dataset: Dataset) -> int | None:
    """The per-step targets' time length (None when the lengths vary)."""
    split = dataset.train
    if split.is_variable_length or split.y.dim() < 2:
        return None
    return int(split.y.shape[1])


def _every_step_fix(graph: Graph, rnn: str, output_id: str, on: bool) -> dict | None:
    """Turning 'Output every step' on or off, when that alone gives the Output what the data needs."""
    from ..graph import analyze

    g = graph.copy()
    g.set_param(rnn, "return_sequences", on)
    spec = analyze(g).output_spec
    if spec is None or (spec.kind == "sequence") != on:
        return None
    return _set(rnn, {"return_sequences": on}, f"Turn {'on' if on else 'off'} 'Output every step' on {rnn}")


def _per_step_problem(graph: Graph, output_id: str, out_spec, dataset: Dataset) -> Problem | None:
    """Per-step data against a per-sample Output and the other way round, and a time length
    that does not reach the Output unchanged."""
    per_step_out = out_spec.kind == "sequence"
    if dataset.per_step and not per_step_out:
        rnn = _last_recurrent(graph, output_id)
        fix = (f"turn on 'Output every step' on {_block_words(graph, rnn, graph.block(rnn).type)} and remove "
               "any pooling over time after it" if rnn is not None
               else "remove what turns the sequence into one vector (pooling over time, Flatten)")
        return _problem(rnn or output_id,
                        f"The data has a target at every time step but the Output '{output_id}' gets one vector "
                        f"per sample ({kind_title(out_spec.kind)} {_shape(out_spec.dims)}): {fix}.",
                        "return_sequences" if rnn else None,
                        _every_step_fix(graph, rnn, output_id, True) if rnn else None)
    if per_step_out and not dataset.per_step:
        rnn = _last_recurrent(graph, output_id)
        fix = (f"turn off 'Output every step' on {_block_words(graph, rnn, graph.block(rnn).type)}" if rnn is not None
               else "insert GlobalAvgPool before the Output")
        return _problem(rnn or output_id,
                        f"The data has one target per sample but the Output '{output_id}' gets a sequence "
                        f"{_shape(out_spec.dims)} (a prediction at every step): {fix}.",
                        "return_sequences" if rnn else None,
                        _every_step_fix(graph, rnn, output_id, False) if rnn else None)
    if per_step_out:
        want, got = _data_steps(dataset), out_spec.dims[0]
        if want is not None and got is not None and want != got:
            return _problem(output_id,
                            f"The data has a target at each of {want} time steps but the Output '{output_id}' gets "
                            f"{got} steps: keep the time length unchanged up to the Output (padding 'same', "
                            "stride 1, no pooling over time).")
    return None


def _ctc_needs(y) -> list[int]:
    """Steps each label [L] (padded with -1) needs: L plus one for every repeated adjacent symbol
    (a blank must come between them)."""
    if y.dim() != 2 or y.numel() == 0:
        return [0] * int(y.shape[0])
    known = y != -1
    need = known.sum(1)
    if y.shape[1] > 1:
        need = need + ((y[:, 1:] == y[:, :-1]) & known[:, 1:]).sum(1)
    return need.tolist()


def _ctc_steps_needed(dataset: Dataset) -> tuple[int, str, int]:
    """(steps the hardest label needs, its split, its sample index)."""
    best = (0, "train", -1)
    for name in ("train", "val", "test"):
        need = _ctc_needs(dataset.split(name).y)
        if need and max(need) > best[0]:
            best = (max(need), name, need.index(max(need)))
    return best


MAX_LENGTHS_CHECKED = 256  # distinct input lengths whose output steps the fit check works out


def _ctc_short_sample(graph: Graph, input_id: str, output_id: str, dataset: Dataset
                      ) -> tuple[int, int, int, str, int] | None:
    """With an open time axis: the first sample whose own output steps are too few for its label,
    as (input length, output steps, steps needed, split, index); None when every one fits."""
    from ..graph import analyze

    worst: dict[int, tuple[int, str, int]] = {}   # input length -> (most steps needed, split, index)
    for name in ("train", "val", "test"):
        split = dataset.split(name)
        for i, (t, need) in enumerate(zip(split.lengths(), _ctc_needs(split.y))):
            if need > worst.get(t, (-1,))[0]:
                worst[t] = (need, name, i)
    shape = list(graph.block(input_id).params.get("shape") or [])
    if not shape or shape[0] is not None or dataset.kind != "sequence":
        return None
    for t in sorted(worst)[:MAX_LENGTHS_CHECKED]:
        g = graph.copy()
        g.set_param(input_id, "shape", [t] + shape[1:])
        spec = analyze(g).output_spec
        steps = spec.dims[0] if spec is not None and spec.kind == "sequence" else None
        need, name, i = worst[t]
        if steps is not None and need > steps:
            return t, steps, need, name, i
    return None


def _ctc_problems(graph: Graph, output_id: str, out_spec, dataset: Dataset, input_id: str | None
                  ) -> list[Problem]:
    """CTC: scores for every symbol and the blank, and enough steps for the longest label."""
    problems = []
    got, want = out_spec.dims[-1], dataset.n_outputs
    if want and got != want:
        src = size_source(graph, output_id)
        where = (f"the last {_block_words(graph, *src)} gives {got}" if src is not None
                 else f"the network gives {got} numbers to the Output '{output_id}'")
        dense = src is not None and src[1] == "Dense"
        fix = (f": set its Outputs to {want}" if dense
               else f": add a Dense with {want} outputs before the Output '{output_id}'")
        problems.append(_problem(
            src[0] if dense else output_id,
            f"The data's labels use {want - 1} symbols, so CTC needs {want} scores at every step (the "
            f"symbols and the blank), but {where}{fix}.",
            "out_features" if dense else None,
            _set(src[0], {"out_features": want}, f"Set the last Dense to {want} outputs") if dense else None))
    steps = out_spec.dims[0]
    if steps is not None:
        need, split, i = _ctc_steps_needed(dataset)
        if need > steps:
            problems.append(_problem(
                output_id,
                f"The Output '{output_id}' gets {steps} time steps, but the longest label ({split} sample {i}) needs "
                f"{need} (one per symbol, plus a blank between repeated symbols): give the network more steps "
                "before the Output (fewer pooling or striding steps over the width, or a wider image / longer "
                "input)."))
    elif input_id is not None and not problems:
        short = _ctc_short_sample(graph, input_id, output_id, dataset)
        if short is not None:
            t, steps, need, split, i = short
            problems.append(_problem(
                output_id,
                f"The Output '{output_id}' gets {steps} time steps from a {t}-step input, but the label of {split} "
                f"sample {i} (that long) needs {need} (one per symbol, plus a blank between repeated symbols): "
                "give the network more steps before the Output (fewer pooling or striding steps over time), or "
                "leave out samples too short for their labels."))
    return problems


def vocab_size(dataset: Dataset) -> int:
    """Number of word ids the data uses: the vocabulary's length, or more if an id goes beyond it."""
    size = len(dataset.vocab) if dataset.vocab else 0
    for split in (dataset.train, dataset.val, dataset.test):
        xs = split.x if isinstance(split.x, list) else [split.x]
        for x in xs:
            if x.numel():
                size = max(size, int(x.max()) + 1)
    return size


def check_fit(project: Project, dataset: Dataset) -> None:
    """Raise a StudioError listing every problem if the data does not fit the network."""
    problems = fit_problems(project, dataset)
    if problems:
        if len(problems) == 1:
            raise DatasetError(f"The data does not fit the network. {problems[0]}")
        raise DatasetError("The data does not fit the network:\n  - " + "\n  - ".join(problems))
