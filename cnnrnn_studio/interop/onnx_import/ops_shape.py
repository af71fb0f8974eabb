"""Converters for the operators that move, reshape, pick and join tracked values (no weights)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from .tracked import _ConverterBase, _Sym, _V

if TYPE_CHECKING:
    from onnx import NodeProto


class _ShapeOps(_ConverterBase):
    """Negation, copies, casts, Shape, Transpose, Reshape, Flatten, Squeeze, Gather (and Embedding), Concat."""

    def _op_Neg(self, node: NodeProto, a: dict[str, Any]) -> None:
        x = self.vals[node.input[0]]
        if x.kind not in ("vector", "image", "seq"):
            self.fail(node, "negates something that is not a layer's output.")
        self._set(node, _V(x.block, x.kind, x.roles, x.entries, not x.neg))

    def _op_Identity(self, node: NodeProto, a: dict[str, Any]) -> None:
        self._set(node, self.vals[node.input[0]])

    def _op_Cast(self, node: NodeProto, a: dict[str, Any]) -> None:
        x = self.vals[node.input[0]]
        if a.get("to") not in (1, 10, 11) or x.kind == "tokens":
            self.fail(node, "changes the number type; the studio works in float32 only.")
        self._set(node, x)

    def _op_Shape(self, node: NodeProto, a: dict[str, Any]) -> None:
        x = self.vals.get(node.input[0])
        if x is None:
            self.fail(node, "reads the size of something the studio does not track.")
        items = [("dim", node.input[0], i) for i in range(len(x.roles))]
        start, end = a.get("start", 0), a.get("end", len(items))
        self.syms[node.output[0]] = _Sym(items[start:end])

    def _op_Transpose(self, node: NodeProto, a: dict[str, Any]) -> None:
        x = self.vals[node.input[0]]
        perm = a.get("perm") or list(range(len(x.roles)))[::-1]
        roles = tuple(x.roles[p] for p in perm)
        ok = {"seq": lambda r: set(r) == {"N", "T", "F"},
              "image": lambda r: r in (("N", "C", "H", "W"), ("N", "W", "C", "H")),
              "rnn_y": lambda r: set(r) == {"T", "D", "N", "H"} and r[-1] == "H",
              "rnn_h": lambda r: r in (("D", "N", "H"), ("N", "D", "H")),
              "vector": lambda r: [q for q in r if q != 1] == ["N", "F"]}
        if x.kind not in ok or not ok[x.kind](roles):
            self.fail(node, f"reorders the axes ({list(perm)}) in a way no block does.")
        self._set(node, _V(x.block, x.kind, roles, x.entries, chain=self._chained(node, x)))

    def _chained(self, node: NodeProto, x: _V) -> tuple:
        """The chain of a recurrent layer's every-step output, extended by this node's output."""
        return x.chain + (node.output[0],) if x.chain else ()

    def _is_copy(self, item: Any, x: _V, name: str, pos: int) -> bool:
        if isinstance(item, tuple):
            _, src, ax = item
            if src == name and ax == pos:
                return True
            other = self.vals.get(src)
            return other is not None and ax < len(other.roles) and other.roles[ax] == "N" and x.roles[pos] == "N"
        return False

    def _target(self, node: NodeProto, x: _V, a: dict[str, Any]) -> list:
        """Reshape's target as 'copy' / -1 / ints."""
        name = node.input[1]
        if name in self.consts:
            items = [int(v) for v in self.consts[name].reshape(-1)]
        elif name in self.syms:
            items = list(self.syms[name].items)
        else:
            self.fail(node, "reshapes to a size the studio cannot follow.")
        out: list = []
        open_sizes = []
        for pos, it in enumerate(items):
            if it == 0 and not a.get("allowzero", 0):
                out.append("copy")
            elif self._is_copy(it, x, node.input[0], pos):
                out.append("copy")
            elif isinstance(it, tuple):
                open_sizes.append(pos)
                out.append(it)
            else:
                out.append(it)
        # One size computed from others (the product of the kept axes, say) is the one a Reshape leaves
        # free: the element count fixes it, exactly as -1 would.
        if len(open_sizes) == 1 and -1 not in out:
            out[open_sizes[0]] = -1
        elif open_sizes:
            self.fail(node, "reshapes to a size the studio cannot follow.")
        return out

    def _op_Reshape(self, node: NodeProto, a: dict[str, Any]) -> None:
        x = self.vals[node.input[0]]
        t = self._target(node, x, a)
        r = x.roles
        if x.kind == "image" and r == ("N", "C", "H", "W") and (t == ["copy", -1] or (len(t) == 2 and t[0] in ("copy", -1))):
            return self._flatten_block(node, x)
        if x.kind == "image" and r == ("N", "W", "C", "H") and len(t) == 3 and t[:2] == ["copy", "copy"]:
            bid = self.new_block("ToSequence", {}, [x.block])
            return self._set(node, _V(bid, "seq", ("N", "T", "F")))
        if x.kind == "vector" and len(t) == 2 and t[0] in ("copy", -1):
            return self._set(node, _V(x.block, "vector", ("N", "F")))
        if x.kind == "vector" and len(t) > 2 and all(q == 1 for q in t[2:]) \
                and (t[0] == "copy" or (t[0] == -1 and t[1] != -1)):
            # y.view(b, c, 1, 1): a vector given size-1 axes, to scale an image's channels (a gate); the file
            # checks that its sizes fit, and the import check catches a batch that -1 would change
            return self._set(node, _V(x.block, "vector", ("N", "F") + (1,) * (len(t) - 2)))
        if x.kind == "seq" and r == ("N", "T", "F") and len(t) == 2 and t[0] == "copy":
            return self._flatten_block(node, x)
        if x.kind == "rnn_y" and r[2:] == ("D", "H") and len(t) == 3 and t[:2] == ["copy", "copy"]:
            self._mark_rnn(node, x.block, "sequence")
            return self._set(node, _V(x.block, "seq", r[:2] + ("F",), chain=self._chained(node, x)))
        if x.kind == "rnn_h" and r == ("N", "D", "H") and len(t) == 2 and t[0] == "copy":
            return self._set(node, self._final(node, x.entries))
        self.fail(node, f"reshapes to {t} in a way no block does.")

    def _flatten_block(self, node: NodeProto, x: _V) -> None:
        bid = self.new_block("Flatten", {}, [x.block])
        self._set(node, _V(bid, "vector", ("N", "F")))

    def _op_Flatten(self, node: NodeProto, a: dict[str, Any]) -> None:
        x = self.vals[node.input[0]]
        if a.get("axis", 1) != 1:
            self.fail(node, "flattens from an axis other than 1; the studio keeps the batch axis.")
        if x.kind == "vector":
            return self._set(node, _V(x.block, "vector", ("N", "F")))
        if (x.kind == "image" and x.roles == ("N", "C", "H", "W")) or (x.kind == "seq" and x.roles == ("N", "T", "F")):
            return self._flatten_block(node, x)
        self.fail(node, "flattens data whose axes are stored in an order the studio's Flatten does not use.")

    def _op_Squeeze(self, node: NodeProto, a: dict[str, Any]) -> None:
        x = self.vals[node.input[0]]
        axes = self.axes_arg(node, a)
        if x.kind == "vector":
            axes = [i for i, q in enumerate(x.roles) if q == 1] if axes is None else [q % len(x.roles) for q in axes]
            if any(x.roles[i] != 1 for i in axes):
                self.fail(node, "removes an axis that is not of size 1.")
            return self._set(node, _V(x.block, "vector", tuple(q for i, q in enumerate(x.roles) if i not in axes)))
        if x.kind == "rnn_y" and axes is not None and [q % 4 for q in axes] == [x.roles.index("D")] \
                and x.roles[-1] == "H" and not self.blocks[x.block].params["bidirectional"]:
            self._mark_rnn(node, x.block, "sequence")
            roles = tuple("F" if q == "H" else q for q in x.roles if q != "D")
            return self._set(node, _V(x.block, "seq", roles, chain=self._chained(node, x)))
        if x.kind == "rnn_h" and axes is not None and [q % 3 for q in axes] == [x.roles.index("D")] \
                and len(x.entries) == 1:
            return self._set(node, self._final(node, x.entries))
        if x.kind == "seq" and x.chain and "L" in x.roles and axes is not None \
                and [q % len(x.roles) for q in axes] == [x.roles.index("L")]:
            return self._set(node, self._last_step(node, x))
        self.fail(node, "removes an axis in a way no block does.")

    def _op_Unsqueeze(self, node: NodeProto, a: dict[str, Any]) -> None:
        x = self.vals[node.input[0]]
        axes = self.axes_arg(node, a)
        if x.kind == "vector" and axes is not None:
            # y[:, :, None, None]: size-1 axes after the batch, to scale an image's channels (a gate)
            rank = len(x.roles) + len(axes)
            at = sorted(q % rank for q in axes)
            if len(set(at)) == len(at) and 0 not in at:
                roles = list(x.roles)
                for q in at:
                    roles.insert(q, 1)
                return self._set(node, _V(x.block, "vector", tuple(roles)))
        self.fail(node, "adds an axis; the studio follows only size-1 axes added after the batch to a vector "
                        "(to scale the channels of an image by it).")

    def _op_Gather(self, node: NodeProto, a: dict[str, Any]) -> None:
        import numpy as np

        data, idx = node.input[0], node.input[1]
        if data in self.consts and idx in self.vals and self.vals[idx].kind == "tokens":
            w = np.asarray(self.consts[data], dtype=np.float32)
            if w.ndim != 2 or a.get("axis", 0) != 0:
                self.fail(node, "looks up rows of a table that is not 2-D; an Embedding's table is.")
            x = self.vals[idx]
            bid = self.new_block("Embedding", {"num_embeddings": int(w.shape[0]), "embedding_dim": int(w.shape[1])},
                                 [x.block], {"weight": w})
            return self._set(node, _V(bid, "seq", x.roles + ("F",)))
        x = self.vals.get(data)
        if x is not None and x.kind == "rnn_h" and a.get("axis", 0) % 3 == x.roles.index("D"):
            i = np.asarray(self.const(idx, node, "a fixed index"))
            if i.ndim != 0:
                self.fail(node, "picks several final states at once; the studio picks the last layer's.")
            entry = x.entries[int(i)]
            bid, d = entry
            if not self.blocks[bid].params["bidirectional"]:
                return self._set(node, self._final(node, (entry,)))
            return self._set(node, _V(bid, "rnn_dir", ("N", "H"), (entry,)))
        if x is not None and x.kind == "seq" and x.chain and x.roles[a.get("axis", 0) % len(x.roles)] == "T":
            i = np.asarray(self.const(idx, node, "a fixed index"))
            if i.ndim == 0 and int(i) == -1:
                return self._set(node, self._last_step(node, x))
            self.fail(node, f"picks step {i.tolist()} of a recurrent layer's output; the studio's recurrent blocks "
                            "give every step or the last one (x[:, -1]).")
        self.fail(node, "picks values in a way no block does (the studio follows an Embedding's lookup, a recurrent "
                        "layer's final state and the last step of its output, x[:, -1]).")

    def _op_Slice(self, node: NodeProto, a: dict[str, Any]) -> None:
        """x[:, -1:] on a recurrent layer's output: its last step, kept as an axis of length 1."""
        import numpy as np

        x = self.vals[node.input[0]]
        if x.kind == "seq" and x.chain and len(node.input) >= 4 and node.input[3]:
            starts, ends, axes = (np.asarray(self.const(node.input[k], node, "fixed bounds")).reshape(-1)
                                  for k in (1, 2, 3))
            steps = (np.asarray(self.const(node.input[4], node)).reshape(-1) if len(node.input) > 4 and node.input[4]
                     else np.ones_like(starts))
            if len(axes) == 1 and x.roles[int(axes[0]) % len(x.roles)] == "T" and int(starts[0]) == -1 \
                    and int(ends[0]) >= 2 ** 31 - 1 and int(steps[0]) == 1:
                roles = tuple("L" if q == "T" else q for q in x.roles)
                return self._set(node, _V(x.block, "seq", roles, chain=self._chained(node, x)))
        self.fail(node, "cuts out part of a value; the studio follows only the last step of a recurrent layer's "
                        "output (x[:, -1:]).")

    def _last_step(self, node: NodeProto, x: _V) -> _V:
        """out[:, -1] of a one-way recurrent layer is its final state: the block's last-step output."""
        bid = x.block
        if self.blocks[bid].params["bidirectional"]:
            self.fail(node, "picks the last step of a two-way recurrent layer's output. There the backward "
                            "direction has seen only the last step, while the studio's two-way layer gives each "
                            "direction's final state (h_n), so it cannot be imported exactly; use h_n instead.")
        shared = [v for v in x.chain if self.uses.get(v, 0) > 1]
        if shared:
            self.fail(node, "picks the last step of a recurrent layer's output that is also used whole; a studio "
                            "recurrent block gives every step or the last one, not both.")
        self.rnn_use[bid] = "final"
        self.blocks[bid].params["return_sequences"] = False
        return _V(bid, "vector", ("N", "F"))

    def _op_Concat(self, node: NodeProto, a: dict[str, Any]) -> None:
        xs = [self.vals.get(i) for i in node.input]
        if any(x is None for x in xs):
            self.fail(node, "joins a layer's output with a constant; the studio joins layers' outputs only.")
        axis = a.get("axis", 0)
        if all(x.kind == "rnn_h" for x in xs) and axis == 0:
            entries = tuple(e for x in xs for e in x.entries)
            return self._set(node, _V(xs[-1].block, "rnn_h", ("D", "N", "H"), entries))
        if any(x.kind == "rnn_dir" for x in xs):
            # torch's cat(h[-2], h[-1]) for a two-way layer, possibly merged with a following Concat
            merged: list[_V] = []
            k = 0
            while k < len(xs):
                x = xs[k]
                if x.kind == "rnn_dir":
                    run = [x]
                    while k + len(run) < len(xs) and xs[k + len(run)].kind == "rnn_dir" and len(run) < 2:
                        run.append(xs[k + len(run)])
                    merged.append(self._final(node, tuple(r.entries[0] for r in run)))
                    k += len(run)
                else:
                    merged.append(x)
                    k += 1
            if axis % 2 != 1:
                self.fail(node, "joins final states along an axis other than the features.")
            xs = merged
            if len(xs) == 1:
                return self._set(node, xs[0])
        first = self._alike(node, xs, "joins")
        if len(xs) == 1:  # torch.cat([x]) (DenseNet's first layer of each block): x itself
            return self._set(node, first)
        if axis % len(first.roles) != self._feature_axis(first):
            self.fail(node, "joins along an axis other than features/channels; the studio's Concat joins there.")
        bid = self.new_block("Concat", {}, [x.block for x in xs])
        self._set(node, _V(bid, first.kind, first.roles))


# ONNX operator -> its converter, called with the converter, the node and its attributes.
OPS: dict[str, Callable[..., None]] = {
    "Neg": _ShapeOps._op_Neg,
    "Identity": _ShapeOps._op_Identity,
    "Cast": _ShapeOps._op_Cast,
    "Shape": _ShapeOps._op_Shape,
    "Transpose": _ShapeOps._op_Transpose,
    "Reshape": _ShapeOps._op_Reshape,
    "Flatten": _ShapeOps._op_Flatten,
    "Squeeze": _ShapeOps._op_Squeeze,
    "Unsqueeze": _ShapeOps._op_Unsqueeze,
    "Gather": _ShapeOps._op_Gather,
    "Slice": _ShapeOps._op_Slice,
    "Concat": _ShapeOps._op_Concat,
}
