"""Compile a validated graph into one torch.nn.Module.

The module holds one submodule per block (named after the block, so weights in a
safetensors file read `blocks.conv1.weight`) and a precomputed plan: `forward` is a flat loop
of one call per block in topological order, with no graph walking per call. It traces
cleanly for ONNX export and torch.fx.
"""

from __future__ import annotations


import torch
from torch import nn

from ..blocks import REGISTRY, TensorSpec
from ..errors import ValidationError
from ..graph import Analysis, Graph, analyze
from .names import module_name


class StudioModel(nn.Module):
    """forward(x: [batch, *input shape]) -> the Output block's input, e.g. logits [batch, classes].

    Frozen blocks ("Train this block" off) have requires_grad False and stay in eval mode when the
    model trains, so their weights and their BatchNorm statistics do not change.
    """

    def __init__(self, graph: Graph, analysis: Analysis):
        super().__init__()
        if not analysis.ok:
            raise ValidationError(analysis.errors)
        self.blocks = nn.ModuleDict()
        self.input_spec: TensorSpec = analysis.input_spec  # type: ignore[assignment]
        self.output_spec: TensorSpec = analysis.output_spec  # type: ignore[assignment]
        self.task: str = analysis.task or "classification"
        self.input_id = analysis.input_id
        self.output_id = analysis.output_id
        # Only blocks on a path from Input to Output do work (dead ends are warnings).
        g = graph.nx
        import networkx as nx

        needed = nx.ancestors(g, analysis.output_id) & nx.descendants(g, analysis.input_id)
        slot: dict[str, int] = {analysis.input_id: 0}
        plan: list[tuple[str, tuple[int, ...]]] = []
        names: dict[str, str] = {}
        frozen: list[str] = []
        for bid in analysis.order:
            if bid not in needed:
                continue
            spec = REGISTRY[graph.block(bid).type]
            mod = spec.build(analysis.params[bid], analysis.in_specs[bid])
            name = module_name(bid)
            while name in self.blocks:
                name += "_"
            self.blocks[name] = mod
            names[bid] = name
            if graph.block(bid).frozen:
                mod.requires_grad_(False)
                frozen.append(name)
            plan.append((name, tuple(slot[p] for p in graph.inputs_of(bid))))
            slot[bid] = len(slot)
        self.block_names = names  # block id -> submodule name
        self.frozen_blocks = tuple(frozen)  # submodule names of the frozen blocks
        self._plan = plan
        out_preds = graph.inputs_of(analysis.output_id)
        self._result_slot = slot[out_preds[0]]
        self._steps = [(self.blocks[n], ins) for n, ins in plan]
        from .padding import plan_padding

        timed = self.input_spec is not None and self.input_spec.kind in ("sequence", "tokens", "image_sequence")
        self._padding = plan_padding([(n, self.blocks[n], ins) for n, ins in plan], timed,
                                     {name: bid for bid, name in names.items()})

    @property
    def padding_problem(self) -> str | None:
        """Why a batch of padded sequences would give other outputs than each sequence alone
        (names the block), or None when ``forward_padded`` is exact for this network."""
        return self._padding.problem

    def train(self, mode: bool = True) -> "StudioModel":
        super().train(mode)
        for name in self.frozen_blocks:  # BatchNorm keeps its statistics, Dropout stays off
            self.blocks[name].eval()
        return self

    def trainable_parameters(self) -> list[nn.Parameter]:
        """The weights training updates (those of frozen blocks are left out)."""
        return [p for p in self.parameters() if p.requires_grad]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        vals = [x]
        for mod, ins in self._steps:
            if len(ins) == 1:
                vals.append(mod(vals[ins[0]]))
            else:
                vals.append(mod(*[vals[i] for i in ins]))
        return vals[self._result_slot]

    def forward_padded(self, x: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Run a batch of sequences padded with zeros past each sample's real length (``lengths``,
        int64 [B]) so that every sample's output equals what ``forward`` gives it alone (see
        compile/padding.py). Returns (outputs, the outputs' lengths when they are still per step,
        else None); per-step outputs are zero past each sample's length. Only for networks whose
        ``padding_problem`` is None."""
        if self._padding.problem is not None:
            raise ValueError(f"padded batches would change this network's outputs ({self._padding.problem})")
        vals = [x]
        lens: list[torch.Tensor | None] = [lengths]
        for (mod, ins), rule in zip(self._steps, self._padding.rules):
            out, n = rule(mod, [vals[i] for i in ins], [lens[i] for i in ins])
            vals.append(out)
            lens.append(n)
        return vals[self._result_slot], lens[self._result_slot]


def build_model(graph: Graph, analysis: Analysis | None = None) -> StudioModel:
    """Raises ValidationError (listing every problem with its block) if the graph is invalid."""
    return StudioModel(graph, analysis or analyze(graph))
