"""Networks too big for the machine are a problem, not "valid"; checks stay linear in the blocks."""

import cnnrnn_studio.graph.memory as memory
from cnnrnn_studio.graph import analyze, summary_rows
from cnnrnn_studio.graph.memory import MemoryEstimate, format_bytes, machine_memory
from cnnrnn_studio.project import Project

from .helpers import chain


def _dense(n_in: int, units: int):
    return chain(("in", "Input", {"kind": "vector", "shape": [n_in]}),
                 ("d1", "Dense", {"out_features": units}),
                 ("out", "Output", {"task": "regression"}))


def test_a_terabyte_network_is_a_memory_problem_naming_the_block():
    a = analyze(_dense(1_000_000, 1_000_000))
    assert not a.ok
    (p,) = [p for p in a.errors if p.code == "memory"]
    assert "d1" in p.message and "TB" in p.message and "this machine's" in p.message
    assert a.memory.weights == 1_000_001_000_000 * 4
    assert a.memory.optimizer == 2 * a.memory.weights


def test_a_huge_image_is_a_memory_problem_even_with_few_weights():
    g = chain(("in", "Input", {"kind": "image", "shape": [1, 100000, 100000]}),
              ("c1", "Conv2d", {"out_channels": 4, "kernel_size": 3}),
              ("f", "Flatten", {}), ("out", "Output", {"task": "regression"}))
    a = analyze(g)
    assert [p.code for p in a.errors] == ["memory"]
    assert "activations" in a.errors[0].message and "c1" in a.errors[0].message


def test_the_estimate_counts_weights_gradients_adam_and_activations_at_the_batch():
    a = analyze(_dense(10, 5), batch_size=8)
    assert a.ok
    m = a.memory
    assert m.weights == 55 * 4 and m.gradients == 55 * 4 and m.optimizer == 2 * 55 * 4
    assert m.activations == (10 + 5) * 8 * 4   # Input and Dense outputs; Output adds none
    assert m.total == m.weights * 4 + m.activations


def test_the_limit_decides_and_the_project_batch_size_is_used():
    g = _dense(1000, 1000)
    need = analyze(g).memory.total
    assert analyze(g, memory_limit=need).ok
    assert not analyze(g, memory_limit=need - 1).ok
    small = Project(g.copy(), training={"batch_size": 1}).analyze().memory
    big = Project(g.copy(), training={"batch_size": 4096}).analyze().memory
    default = Project(g.copy()).analyze().memory
    assert (small.batch_size, big.batch_size, default.batch_size) == (1, 4096, 64)
    assert big.activations == 4096 * small.activations


def test_machine_memory_has_a_fallback(monkeypatch):
    assert machine_memory() > 0
    monkeypatch.setattr(memory, "_meminfo", lambda key: None)
    monkeypatch.setattr(memory.os, "sysconf", lambda name: (_ for _ in ()).throw(ValueError(name)))
    assert machine_memory() == memory.FALLBACK_MEMORY
    assert memory.available_memory() == memory.FALLBACK_MEMORY


def test_format_bytes_and_sentence():
    assert format_bytes(512) == "512 bytes" and format_bytes(1536) == "1.5 KB"
    assert format_bytes(3 * 1024**4) == "3.0 TB"
    m = MemoryEstimate(batch_size=1, weights=4, per_block={"a": 10, "b": 30})
    assert m.largest(1) == [("b", 30)]
    assert "one sample" in m.sentence(1)


def test_a_20000_block_chain_checks_correctly():
    n = 20_000
    blocks = [("in", "Input", {"kind": "vector", "shape": [8]})]
    blocks += [(f"r{i}", "ReLU", {}) for i in range(n - 2)]
    blocks += [("out", "Output", {"task": "regression"})]
    g = chain(*blocks)
    a = analyze(g)
    assert a.ok and len(a.order) == n
    assert a.order[0] == "in" and a.order[-1] == "out"
    rows = summary_rows(g, a)
    assert len(rows) == n and all(r["ok"] for r in rows)
    assert rows[n // 2]["output_shape"] == [8]


def test_summary_rows_mark_only_the_broken_blocks_in_a_long_chain():
    n = 5_000
    blocks = [("in", "Input", {"kind": "vector", "shape": [8]})]
    blocks += [(f"r{i}", "ReLU", {}) for i in range(n - 3)]
    blocks += [("bad", "NoSuchBlock", {}), ("out", "Output", {"task": "regression"})]
    g = chain(*blocks)
    rows = summary_rows(g, analyze(g))
    assert [r["id"] for r in rows if not r["ok"]] == ["bad"]
    assert rows[-2]["id"] in ("bad", "out")


def test_a_network_too_big_for_the_chosen_gpu_says_so_with_the_gpu_figure():
    g = _dense(1000, 1000)
    need = analyze(g).memory.total
    assert analyze(g, gpu_memory=need).ok
    a = analyze(g, gpu_memory=need - 1)
    (p,) = [p for p in a.errors if p.code == "memory"]
    assert "the chosen GPU's" in p.message and format_bytes(need - 1) in p.message
    assert "d1" in p.message and "train on the CPU" in p.message
    # a network too big for the machine is reported once, against the machine
    b = analyze(g, memory_limit=need - 1, gpu_memory=need - 1)
    assert [("this machine's" in p.message) for p in b.errors if p.code == "memory"] == [True]


def test_a_project_on_cuda_is_checked_against_the_gpu_it_names(monkeypatch):
    import cnnrnn_studio.project.file as project_file

    g = _dense(1000, 1000)
    need = Project(g.copy(), training={"batch_size": 8}).analyze().memory.total
    asked = []

    def fake_gpu(name):  # no GPU in CI: the figure torch would give is passed in here
        asked.append(name)
        return need // 2 if name.startswith("cuda") else None

    monkeypatch.setattr(project_file, "chosen_gpu_memory", fake_gpu)
    on_gpu = Project(g.copy(), training={"batch_size": 8, "device": "cuda"}).analyze()
    assert not on_gpu.ok and "the chosen GPU's" in on_gpu.errors[0].message
    assert asked == ["cuda"]
    on_cpu = Project(g.copy(), training={"batch_size": 8, "device": "cpu"}).analyze()
    assert on_cpu.ok


def test_no_gpu_present_means_no_gpu_figure():
    from cnnrnn_studio.project.file import chosen_gpu_memory

    import torch

    assert chosen_gpu_memory("cpu") is None and chosen_gpu_memory("auto") is None
    if not torch.cuda.is_available():
        assert chosen_gpu_memory("cuda") is None
        assert chosen_gpu_memory("cuda:3") is None
