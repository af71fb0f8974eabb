"""Shared networks for the export tests: every template, and a zoo that uses every block type.

The zoo graphs mix kinds (image, sequence with a free length, image sequence, word ids, vector),
branches, skip connections (Add) and Concat, so codegen, ONNX export and import meet every
block and every wrapper (OverTime, PerFrame, min-pool, recurrent state selection).
"""

from __future__ import annotations

import pytest
import torch

from cnnrnn_studio.graph import Graph
from cnnrnn_studio.project import Project, list_templates, load_template

TEMPLATE_IDS = [t.id for t in list_templates()]

# (id, type, params, inputs in port order)
ZOO_SPECS: dict[str, list[tuple]] = {
    "image_zoo": [
        ("input", "Input", {"kind": "image", "shape": [3, 12, 12]}, []),
        ("conv_a", "Conv2d", {"out_channels": 8, "kernel_size": 3, "padding": "same"}, ["input"]),
        ("bn_a", "BatchNorm", {"eps": 1e-3, "momentum": 0.05}, ["conv_a"]),
        ("lrelu", "LeakyReLU", {"negative_slope": 0.2}, ["bn_a"]),
        ("pool_max", "MaxPool2d", {"kernel_size": 2}, ["lrelu"]),
        ("conv_s", "Conv2d", {"out_channels": 4, "kernel_size": 3, "stride": 2, "padding": 1}, ["input"]),
        ("cat_img", "Concat", {}, ["pool_max", "conv_s"]),
        ("conv_b", "Conv2d", {"out_channels": 8, "kernel_size": [3, 1], "padding": [1, 0], "groups": 2,
                              "bias": False}, ["cat_img"]),
        ("pool_avg", "AvgPool2d", {"kernel_size": 3, "stride": 1, "padding": 1}, ["conv_b"]),
        ("add_img", "Add", {}, ["conv_b", "pool_avg"]),
        ("pool_min", "MinPool2d", {"kernel_size": 2, "stride": 2}, ["add_img"]),
        ("gelu", "GELU", {}, ["pool_min"]),
        ("ln_img", "LayerNorm", {}, ["gelu"]),
        ("soft_img", "Softmax", {}, ["ln_img"]),
        ("gmax", "GlobalMaxPool", {}, ["soft_img"]),
        ("flat", "Flatten", {}, ["soft_img"]),
        ("drop", "Dropout", {"p": 0.1}, ["flat"]),
        ("dense1", "Dense", {"out_features": 16}, ["drop"]),
        ("sig", "Sigmoid", {}, ["dense1"]),
        ("gavg", "GlobalAvgPool", {}, ["pool_min"]),
        ("to_seq", "ToSequence", {}, ["pool_min"]),
        ("rnn", "RNN", {"hidden_size": 4}, ["to_seq"]),
        ("cat_vec", "Concat", {}, ["sig", "gmax", "gavg", "rnn"]),
        ("bn_v", "BatchNorm", {}, ["cat_vec"]),
        ("tanh", "Tanh", {}, ["bn_v"]),
        ("ln_v", "LayerNorm", {}, ["tanh"]),
        ("flat_v", "Flatten", {}, ["ln_v"]),
        ("relu", "ReLU", {}, ["flat_v"]),
        ("dense_out", "Dense", {"out_features": 5}, ["relu"]),
        ("output", "Output", {"task": "classification"}, ["dense_out"]),
    ],
    "sequence_zoo": [
        ("input", "Input", {"kind": "sequence", "shape": [None, 4]}, []),
        ("c1", "Conv1d", {"out_channels": 6, "kernel_size": 3, "padding": "same"}, ["input"]),
        ("bn", "BatchNorm", {}, ["c1"]),
        ("r", "ReLU", {}, ["bn"]),
        ("mp", "MaxPool1d", {"kernel_size": 2}, ["r"]),
        ("ap", "AvgPool1d", {"kernel_size": 3, "stride": 1, "padding": 1}, ["mp"]),
        ("mn", "MinPool1d", {"kernel_size": 2, "stride": 1}, ["ap"]),
        ("c2", "Conv1d", {"out_channels": 6, "kernel_size": 3, "stride": 2, "padding": 2, "dilation": 2}, ["mn"]),
        ("d", "Dense", {"out_features": 8}, ["c2"]),
        ("d2", "Dense", {"out_features": 8, "bias": False}, ["c2"]),
        ("add_s", "Add", {}, ["d", "d2"]),
        ("ln", "LayerNorm", {}, ["add_s"]),
        ("sm", "Softmax", {}, ["ln"]),
        ("rnn", "RNN", {"hidden_size": 5, "return_sequences": True, "bidirectional": True}, ["sm"]),
        ("gru", "GRU", {"hidden_size": 6, "num_layers": 2, "dropout": 0.1, "return_sequences": True}, ["sm"]),
        ("cat_s", "Concat", {}, ["rnn", "gru"]),
        ("lstm", "LSTM", {"hidden_size": 7, "num_layers": 2, "bidirectional": True}, ["cat_s"]),
        ("gap", "GlobalAvgPool", {}, ["gru"]),
        ("gmp", "GlobalMaxPool", {}, ["add_s"]),
        ("cat", "Concat", {}, ["lstm", "gap", "gmp"]),
        ("dense_out", "Dense", {"out_features": 3}, ["cat"]),
        ("output", "Output", {"task": "classification"}, ["dense_out"]),
    ],
    "video_zoo": [
        ("input", "Input", {"kind": "image_sequence", "shape": [None, 2, 8, 8]}, []),
        ("conv", "Conv2d", {"out_channels": 4, "kernel_size": 3, "padding": 1}, ["input"]),
        ("bn", "BatchNorm", {}, ["conv"]),
        ("mp", "MaxPool2d", {"kernel_size": 2}, ["bn"]),
        ("ap", "AvgPool2d", {"kernel_size": 3, "stride": 1, "padding": 1}, ["mp"]),
        ("ln", "LayerNorm", {}, ["ap"]),
        ("sm", "Softmax", {}, ["ln"]),
        ("conv2", "Conv2d", {"out_channels": 4, "kernel_size": 1}, ["sm"]),
        ("add", "Add", {}, ["conv2", "ap"]),
        ("mn", "MinPool2d", {"kernel_size": 2}, ["add"]),
        ("mx", "MaxPool2d", {"kernel_size": 2}, ["add"]),
        ("cat", "Concat", {}, ["mn", "mx"]),
        ("gap", "GlobalAvgPool", {}, ["cat"]),
        ("gmx", "GlobalMaxPool", {}, ["cat"]),
        ("add2", "Add", {}, ["gap", "gmx"]),
        ("fl", "Flatten", {}, ["cat"]),
        ("cat2", "Concat", {}, ["add2", "fl"]),
        ("gru", "GRU", {"hidden_size": 6}, ["cat2"]),
        ("dense", "Dense", {"out_features": 2}, ["gru"]),
        ("output", "Output", {"task": "regression"}, ["dense"]),
    ],
    "tokens_zoo": [
        ("input", "Input", {"kind": "tokens", "shape": [None]}, []),
        ("emb", "Embedding", {"num_embeddings": 30, "embedding_dim": 8}, ["input"]),
        ("conv", "Conv1d", {"out_channels": 8, "kernel_size": 3, "padding": "same"}, ["emb"]),
        ("lstm", "LSTM", {"hidden_size": 6, "return_sequences": True}, ["conv"]),
        ("gru", "GRU", {"hidden_size": 5, "bidirectional": True}, ["lstm"]),
        ("emb2", "Embedding", {"num_embeddings": 20, "embedding_dim": 4}, ["input"]),
        ("pool", "GlobalAvgPool", {}, ["emb2"]),
        ("cat", "Concat", {}, ["gru", "pool"]),
        ("dense", "Dense", {"out_features": 1}, ["cat"]),
        ("output", "Output", {"task": "regression"}, ["dense"]),
    ],
    "vector_zoo": [
        ("input", "Input", {"kind": "vector", "shape": [10]}, []),
        ("d1", "Dense", {"out_features": 16}, ["input"]),
        ("bn", "BatchNorm", {}, ["d1"]),
        ("relu", "ReLU", {}, ["bn"]),
        ("drop", "Dropout", {"p": 0.3}, ["relu"]),
        ("d2", "Dense", {"out_features": 16, "bias": False}, ["drop"]),
        ("skip", "Add", {}, ["d1", "d2"]),
        ("ln", "LayerNorm", {"eps": 1e-4}, ["skip"]),
        ("sm", "Softmax", {}, ["ln"]),
        ("flat", "Flatten", {}, ["sm"]),
        ("out", "Dense", {"out_features": 3}, ["flat"]),
        ("output", "Output", {"task": "classification"}, ["out"]),
    ],
}


def build_graph(spec: list[tuple]) -> Graph:
    g = Graph()
    for i, (bid, btype, params, _) in enumerate(spec):
        g.add_block(btype, params, bid, (0.0, 100.0 * i))
    for bid, _, _, ins in spec:
        for port, src in enumerate(ins):
            g.add_link(src, bid, port)
    return g


def zoo_project(name: str) -> Project:
    return Project(build_graph(ZOO_SPECS[name]), name=name.replace("_", " "))


def network(name: str) -> Project:
    """A template id or a zoo name."""
    return zoo_project(name) if name in ZOO_SPECS else load_template(name)


def randomise(model: torch.nn.Module, seed: int = 0) -> torch.nn.Module:
    """Weights and BatchNorm statistics away from their initial values, as after training."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if t.is_floating_point():
                if name.endswith("running_var"):
                    t.copy_(torch.rand(t.shape, generator=gen) + 0.5)
                else:
                    t.add_(0.1 * torch.randn(t.shape, generator=gen))
            elif name.endswith("num_batches_tracked"):
                t.fill_(17)
    return model.eval()


def sample_input(project: Project, batch: int = 3, length: int = 12, seed: int = 0) -> torch.Tensor:
    spec = project.analyze().input_spec
    dims = [length if d is None else d for d in spec.dims]
    gen = torch.Generator().manual_seed(seed)
    if spec.kind == "tokens":
        model = project.build_model()
        vocab = min(m.num_embeddings for m in model.modules() if isinstance(m, torch.nn.Embedding))
        return torch.randint(0, vocab, (batch, *dims), generator=gen)
    return torch.randn((batch, *dims), generator=gen)


# --- one-block networks, one per example in tests/blocks/cases.py ---------------------------------
# So "adding a block is its declaration plus one test case": each case becomes Input -> block ->
# adapter -> Output, and codegen and ONNX export are tested on it without a hand-written graph.

def _case_cases() -> list[tuple]:
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "_block_cases", Path(__file__).resolve().parents[1] / "blocks" / "cases.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return list(mod.CASES)


CASES = _case_cases()
CASE_IDS = [f"{i:02d}_{c[0]}" for i, c in enumerate(CASES)]


def _adapt(g: Graph, src: str, have, want, name: str, port: int) -> str:
    """A block from `have` (the Input's spec) to `want` (another input's spec): of the same kind, or a
    vector made by global pooling and a Dense."""
    if port == 0:
        return src
    if have == want:  # a second link from the same block is not allowed: pass through a Dropout
        g.add_block("Dropout", {"p": 0.0}, name)
    elif want.kind == "vector" and have.kind != "vector":  # a gate (Multiply): pooled, then a Dense
        while have.kind != "vector":
            g.add_block("GlobalAvgPool", {}, f"{name}_pool{have.kind}")
            g.add_link(src, f"{name}_pool{have.kind}")
            src = f"{name}_pool{have.kind}"
            have = analyze_spec(g, src)
        g.add_block("Dense", {"out_features": want.features}, name)
    elif want.kind in ("image", "image_sequence"):
        g.add_block("Conv2d", {"out_channels": want.features, "kernel_size": 1}, name)
    else:
        g.add_block("Dense", {"out_features": want.features}, name)
    g.add_link(src, name)
    return name


def case_graph(btype: str, params: dict, ins: list) -> Graph:
    """Input (the case's first input spec) -> the block -> whatever makes a vector -> Output."""
    from cnnrnn_studio.graph import analyze

    g = Graph()
    first = ins[0]
    g.add_block("Input", {"kind": first.kind, "shape": list(first.dims)}, "input")
    g.add_block(btype, params, "block")
    for port, spec in enumerate(ins):
        g.add_link(_adapt(g, "input", first, spec, f"adapt_in{port}", port), "block", port)
    last, i = "block", 0
    while True:
        out = analyze_spec(g, last)
        if out.kind == "vector":
            break
        i += 1
        name = f"adapt_out{i}"
        if out.kind in ("image", "image_sequence"):
            g.add_block("Flatten", {}, name)
        else:  # a sequence of any length
            g.add_block("GlobalAvgPool", {}, name)
        g.add_link(last, name)
        last = name
    g.add_block("Output", {"task": "regression"}, "output")
    g.add_link(last, "output")
    assert analyze(g).ok, analyze(g).errors
    return g


def analyze_spec(g: Graph, bid: str):
    from cnnrnn_studio.graph import analyze

    return analyze(g).specs[bid]


def case_project(index: int) -> Project:
    btype, params, ins = CASES[index]
    return Project(case_graph(btype, params, ins), name=f"case {CASE_IDS[index]}")


class Nets:
    """The helpers above, for test modules (conftest is not importable under importlib mode)."""

    templates = TEMPLATE_IDS
    zoo = list(ZOO_SPECS)
    specs = ZOO_SPECS
    build_graph = staticmethod(build_graph)
    network = staticmethod(network)
    randomise = staticmethod(randomise)
    sample_input = staticmethod(sample_input)
    cases = CASES
    case_ids = CASE_IDS
    case_project = staticmethod(case_project)


@pytest.fixture
def nets() -> type[Nets]:
    return Nets


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "template_id" in metafunc.fixturenames:
        metafunc.parametrize("template_id", TEMPLATE_IDS)
    if "zoo_name" in metafunc.fixturenames:
        metafunc.parametrize("zoo_name", list(ZOO_SPECS))
    if "network_name" in metafunc.fixturenames:
        metafunc.parametrize("network_name", TEMPLATE_IDS + list(ZOO_SPECS))
    if "case_index" in metafunc.fixturenames:  # every block test case as a one-block network
        metafunc.parametrize("case_index", range(len(CASES)), ids=CASE_IDS)


@pytest.fixture(scope="session")
def exported(tmp_path_factory):
    """name -> (project, model with non-initial weights, .onnx path, ExportReport); each exported once."""
    from cnnrnn_studio.interop.onnx import export_onnx

    cache: dict[str, tuple] = {}
    folder = tmp_path_factory.mktemp("exported")

    def get(name: str):
        if name not in cache:
            project = network(name)
            model = randomise(project.build_model(), seed=2)
            path = folder / f"{name}.onnx"
            report = export_onnx(project, path, model=model, class_names=None)
            cache[name] = (project, model, path, report)
        return cache[name]

    return get
