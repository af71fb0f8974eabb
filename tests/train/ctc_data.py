"""A tiny synthetic reading task for the CTC tests: images that are rows of 2 to 4 small glyphs."""

from __future__ import annotations

import numpy as np

# One 5x3 pattern per symbol, simple and distinct.
GLYPHS = np.array([
    [[1, 1, 1], [1, 0, 1], [1, 0, 1], [1, 0, 1], [1, 1, 1]],   # a box
    [[0, 1, 0], [0, 1, 0], [0, 1, 0], [0, 1, 0], [0, 1, 0]],   # a bar
    [[1, 0, 1], [0, 1, 0], [1, 0, 1], [0, 1, 0], [1, 0, 1]],   # a checker
    [[0, 0, 0], [1, 1, 1], [0, 0, 0], [1, 1, 1], [0, 0, 0]],   # two lines
], dtype=np.float32)
SYMBOLS = ["o", "l", "x", "="]
HEIGHT, WIDTH = 7, 20


def glyph_rows(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """X [n, 1, HEIGHT, WIDTH] uint8, y [n, 4] symbol ids padded with -1. Glyphs sit side by side with a
    gap of 1 to 2 columns, at a random height, after a random left margin; a little noise on top."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, 1, HEIGHT, WIDTH), np.float32)
    y = np.full((n, 4), -1, np.int64)
    for i in range(n):
        count = int(rng.integers(2, 5))
        label = rng.integers(0, len(GLYPHS), count)
        col = int(rng.integers(0, 2))
        for j, s in enumerate(label):
            row = int(rng.integers(0, HEIGHT - 4))
            x[i, 0, row:row + 5, col:col + 3] = GLYPHS[s]
            col += 3 + int(rng.integers(1, 3))
        y[i, :count] = label
    x += rng.uniform(0, 0.15, x.shape).astype(np.float32)
    return (np.clip(x, 0, 1) * 255).astype(np.uint8), y


def crnn_blocks(symbols: int = len(SYMBOLS), width: int = WIDTH, hidden: int = 32, pools: int = 1
                ) -> list[tuple[str, str, dict]]:
    """Conv2d -> ReLU -> MaxPool -> ToSequence -> GRU(every step) -> Dense(symbols + 1) -> Output(ctc)."""
    blocks = [("input", "Input", {"kind": "image", "shape": [1, HEIGHT, width]}),
              ("conv", "Conv2d", {"out_channels": 16, "kernel_size": 3, "padding": 1}),
              ("relu", "ReLU", {})]
    for k in range(pools):
        blocks.append((f"pool{k + 1}" if pools > 1 else "pool", "MaxPool2d", {"kernel_size": 2}))
    return blocks + [
        ("seq", "ToSequence", {}),
        ("gru", "GRU", {"hidden_size": hidden, "return_sequences": True, "bidirectional": True}),
        ("dense", "Dense", {"out_features": symbols + 1}),
        ("output", "Output", {"task": "ctc"}),
    ]
