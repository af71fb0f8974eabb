"""Deterministic generators for the two made-up built-in datasets.

Both use their own fixed seed, so the data are the same on every machine and every run; the
``seed`` the user picks only changes how they are split.
"""

from __future__ import annotations

import random

import numpy as np

# ---- digit_motion: a digit sliding across a canvas --------------------------------------------

DIRECTIONS = ("up", "down", "left", "right")
MOTION_SEED = 20_240_601
MOTION_SAMPLES = 1_600
MOTION_FRAMES = 8
MOTION_CANVAS = 16


def make_digit_motion(
    digits: np.ndarray,
    n_samples: int = MOTION_SAMPLES,
    frames: int = MOTION_FRAMES,
    canvas: int = MOTION_CANVAS,
    seed: int = MOTION_SEED,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Image sequences [N, frames, 1, canvas, canvas] in [0, 1], direction ids [N], digit ids used.

    ``digits`` are [M, 8, 8] images in [0, 1]. Each sample moves one digit in one of four
    directions at 1 or 1/2 pixel per frame; the start is random, so one frame alone cannot tell
    the direction reliably — the order of the frames does.
    """
    rng = np.random.default_rng(seed)
    m, dh, dw = digits.shape
    chosen = rng.permutation(m)[:n_samples] if n_samples <= m else rng.integers(0, m, n_samples)
    labels = np.tile(np.arange(len(DIRECTIONS)), -(-n_samples // len(DIRECTIONS)))[:n_samples]
    rng.shuffle(labels)
    free = canvas - dh  # positions 0..free along each axis keep the digit fully inside
    out = np.zeros((n_samples, frames, 1, canvas, canvas), dtype=np.float32)
    t = np.arange(frames)
    for k in range(n_samples):
        speed = 1.0 if rng.random() < 0.5 else 0.5
        travel = int(np.floor((frames - 1) * speed))
        start = int(rng.integers(0, free - travel + 1))
        cross = int(rng.integers(0, free + 1))
        along = start + np.floor(t * speed).astype(int)
        direction = DIRECTIONS[labels[k]]
        if direction in ("up", "left"):
            along = free - along  # same motion, mirrored
        for f in range(frames):
            row, col = (along[f], cross) if direction in ("up", "down") else (cross, along[f])
            out[k, f, 0, row : row + dh, col : col + dw] = digits[chosen[k]]
    return out, labels.astype(np.int64), chosen.astype(np.int64)


# ---- sentiment_mini: short made-up review sentences whose meaning depends on word order -------

SENTIMENT_SEED = 7
SENTIMENT_SIZE = 2_000
SENTIMENT_CLASSES = ("negative", "positive")

_SUBJECTS = (
    "the film",
    "the movie",
    "the plot",
    "the acting",
    "the ending",
    "the music",
    "the story",
    "the cast",
    "the script",
    "the soundtrack",
    "the book",
    "the show",
    "the dialogue",
    "the camera work",
    "the director",
)
_VERBS = ("was", "is", "seemed", "felt")
_ADVERBS = ("", "really", "very", "quite", "truly", "rather", "pretty")
_POSITIVE = (
    "good",
    "great",
    "wonderful",
    "excellent",
    "fun",
    "brilliant",
    "moving",
    "charming",
    "clever",
    "enjoyable",
    "beautiful",
    "superb",
)
_NEGATIVE = (
    "bad",
    "awful",
    "boring",
    "dull",
    "terrible",
    "weak",
    "poor",
    "predictable",
    "tedious",
    "clumsy",
    "bland",
    "messy",
)
_NEGATIONS = ("not", "never")


def _clause(rng: random.Random) -> tuple[str, int]:
    """'the plot was not very good' and its polarity (1 positive, 0 negative)."""
    positive = rng.random() < 0.5
    negated = rng.random() < 0.5
    adjective = rng.choice(_POSITIVE if positive else _NEGATIVE)
    words = [rng.choice(_SUBJECTS), rng.choice(_VERBS)]
    if negated:
        words.append(rng.choice(_NEGATIONS))
    adverb = rng.choice(_ADVERBS)
    if adverb:
        words.append(adverb)
    words.append(adjective)
    return " ".join(words), int(positive != negated)


def _sentences(rng: random.Random) -> list[tuple[str, int]]:
    """One sentence, or a contrast pair 'A but B' / 'B but A': the same words, opposite labels."""
    form = rng.random()
    if form < 0.4:  # one clause: 'not' flips the adjective
        return [_clause(rng)]
    if form < 0.8:  # 'A but B': the clause after 'but' decides, so word order matters
        first, first_label = _clause(rng)
        second, label = _clause(rng)
        out = [(f"{first} but {second}", label)]
        if first_label != label and rng.random() < 0.5:
            out.append((f"{second} but {first}", first_label))
        return out
    # 'i did not think the film was good': the negation sits far from the adjective
    positive = rng.random() < 0.5
    negated = rng.random() < 0.5
    opener = rng.choice(("i did not think", "i did not feel") if negated else ("i thought", "i felt"))
    adjective = rng.choice(_POSITIVE if positive else _NEGATIVE)
    adverb = rng.choice(_ADVERBS)
    middle = f"{adverb} {adjective}" if adverb else adjective
    return [(f"{opener} {rng.choice(_SUBJECTS)} was {middle}", int(positive != negated))]


def make_sentiment_mini(n: int = SENTIMENT_SIZE, seed: int = SENTIMENT_SEED) -> tuple[list[str], list[str]]:
    """``n`` distinct sentences, half positive and half negative, with their labels."""
    rng = random.Random(seed)
    texts: list[str] = []
    labels: list[str] = []
    seen: set[str] = set()
    wanted = [n // 2, n - n // 2]
    while len(texts) < n:
        for text, label in _sentences(rng):
            if text in seen or wanted[label] == 0:
                continue
            seen.add(text)
            wanted[label] -= 1
            texts.append(text)
            labels.append(SENTIMENT_CLASSES[label])
    return texts, labels


# ---- digit_motion with per-frame labels: a digit that may turn while it slides ----------------

NOT_MOVING = -1  # the first frame: the digit has not moved yet, so it has no direction (never counted)
_STEP = {"up": (-1, 0), "down": (1, 0), "left": (0, -1), "right": (0, 1)}


def make_digit_motion_per_frame(
    digits: np.ndarray,
    n_samples: int = MOTION_SAMPLES,
    frames: int = MOTION_FRAMES,
    canvas: int = MOTION_CANVAS,
    seed: int = MOTION_SEED + 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Image sequences [N, frames, 1, canvas, canvas], direction ids per frame [N, frames], digit ids.

    The digit moves one pixel between frames and turns 0, 1 or 2 times (each stretch lasts at least
    two moves), so the direction changes within a clip and every frame needs its own label: frame t
    is labelled with the way the digit moved from frame t-1 to frame t; frame 0 is -1 (no motion
    yet, never counted).
    """
    rng = np.random.default_rng(seed)
    m, dh, dw = digits.shape
    chosen = rng.permutation(m)[:n_samples] if n_samples <= m else rng.integers(0, m, n_samples)
    free = canvas - dh
    moves = frames - 1
    out = np.zeros((n_samples, frames, 1, canvas, canvas), dtype=np.float32)
    labels = np.full((n_samples, frames), NOT_MOVING, dtype=np.int64)
    for k in range(n_samples):
        turns = int(rng.choice(3, p=[0.25, 0.45, 0.3])) if moves >= 6 else 0
        cuts = sorted(rng.choice(np.arange(2, moves - 1), size=turns, replace=False)) if turns else []
        while any(b - a < 2 for a, b in zip([0, *cuts], [*cuts, moves])):
            cuts = sorted(rng.choice(np.arange(2, moves - 1), size=turns, replace=False))
        direction = int(rng.integers(len(DIRECTIONS)))
        seq = []
        for a, b in zip([0, *cuts], [*cuts, moves]):
            if a:
                direction = int(rng.choice([d for d in range(len(DIRECTIONS)) if d != direction]))
            seq += [direction] * (b - a)
        steps = np.array([_STEP[DIRECTIONS[d]] for d in seq])
        path = np.vstack([[0, 0], np.cumsum(steps, axis=0)])  # [frames, 2] offsets from the start
        lo, hi = path.min(0), path.max(0)
        start = [int(rng.integers(-lo[i], free - hi[i] + 1)) for i in range(2)]
        for f in range(frames):
            row, col = start[0] + path[f, 0], start[1] + path[f, 1]
            out[k, f, 0, row:row + dh, col:col + dw] = digits[chosen[k]]
        labels[k, 1:] = seq
    return out, labels, chosen.astype(np.int64)


# ---- digit_strings: rows of handwritten digits side by side ------------------------------------

STRINGS_SEED = 20_260_101


def make_digit_strings(
    digits: np.ndarray,
    digit_labels: np.ndarray,
    n_samples: int,
    min_count: int,
    max_count: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Images [N, 1, 8, 8 * max_count + 8] in [0, 1] and labels [N, max_count] (digit values,
    -1 after each string's own digits). Each row holds ``min_count`` to ``max_count`` of the given
    8x8 ``digits`` side by side, 0 to 2 pixels apart, after a random left margin."""
    rng = np.random.default_rng(seed)
    dh, dw = digits.shape[1:]
    width = dw * max_count + dw
    x = np.zeros((n_samples, 1, dh, width), dtype=np.float32)
    y = np.full((n_samples, max_count), -1, dtype=np.int64)
    for k in range(n_samples):
        count = int(rng.integers(min_count, max_count + 1))
        picks = rng.integers(0, len(digits), count)
        free = width - dw * count
        gaps = rng.integers(0, 3, max(count - 1, 0))
        while gaps.sum() > free:
            gaps = np.maximum(gaps - 1, 0)
        col = int(rng.integers(0, free - int(gaps.sum()) + 1))
        for j, p in enumerate(picks):
            x[k, 0, :, col:col + dw] = np.maximum(x[k, 0, :, col:col + dw], digits[p])
            col += dw + (int(gaps[j]) if j < len(gaps) else 0)
        y[k, :count] = digit_labels[picks]
    return x, y
