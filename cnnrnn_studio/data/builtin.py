"""The built-in datasets: small, offline, shipped in resources/data (see its README.md and
ATTRIBUTION.md) or generated deterministically at load time. Each loads in well under a second.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from .assemble import Pool, assemble
from .csv_format import check_text_fits, load_csv
from .dataset import Dataset
from .errors import DataError
from .image_folder import check_images_fit
from .options import check_known, get_choice, get_int, get_size
from .synthetic import DIRECTIONS, SENTIMENT_CLASSES, make_digit_motion, make_sentiment_mini
from .text import PADDING_CHOICES, build_text_dataset

Loader = Callable[[Mapping[str, Any], int, float], Dataset]  # (options, seed, validation_split)


class BuiltinInfo(NamedTuple):
    """What the UI lists for a built-in dataset; ``loader(options, seed, validation_split)``."""

    label: str
    kind: str
    description: str
    loader: Loader


def resources_dir() -> Path:
    """resources/data, found the way the rest of the app finds its resources (source checkout,
    installed package, PyInstaller bundle, or $CNNRNN_STUDIO_RESOURCES)."""
    try:
        from ..resources import resources_dir as app_resources_dir

        return app_resources_dir() / "data"
    except (ImportError, FileNotFoundError):
        # Fallback: the bundle's or the source tree's folder, without the app-wide helper.
        bundle = getattr(sys, "_MEIPASS", None)
        if bundle is not None and (Path(bundle) / "resources" / "data").is_dir():
            return Path(bundle) / "resources" / "data"
        return Path(__file__).resolve().parents[2] / "resources" / "data"


def _resource(name: str) -> Path:
    path = resources_dir() / name
    if not path.is_file():
        raise DataError(f"the built-in data file {path} is missing: the installation is incomplete", path=path)
    return path


@cache
def _npz(name: str) -> dict[str, np.ndarray]:
    # Cached: digits feed both 'digits' and 'digit_motion'. Callers copy before changing.
    with np.load(_resource(name), allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


DIGITS_ATTRIBUTION = (
    "UCI Optical Recognition of Handwritten Digits (E. Alpaydin, C. Kaynak, 1998), CC BY 4.0; "
    "the 8x8 copy shipped with scikit-learn."
)
BASIC_MOTIONS_ATTRIBUTION = (
    "BasicMotions, UEA multivariate time series classification archive (A. Bagnall et al., 2018), "
    "timeseriesclassification.com."
)
AIRLINE_ATTRIBUTION = (
    "Box, G. E. P. and Jenkins, G. M., Time Series Analysis (1976), series G: international airline passengers."
)


def _digit_images() -> tuple[np.ndarray, np.ndarray]:
    arrays = _npz("digits.npz")
    return arrays["X"].reshape(-1, 8, 8).astype(np.float32) / 16.0, arrays["y"].astype(np.int64)


def _resize_images(images: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """[N, 1, h, w] -> [N, 1, H, W] by bilinear interpolation (values stay within [0, 1])."""
    if images.shape[-2:] == size:
        return images
    import torch  # torch loads on first use: listing datasets must not pull it in (GUI start-up)

    scaled = torch.nn.functional.interpolate(torch.from_numpy(images), size=size, mode="bilinear", align_corners=False)
    return scaled.clamp_(0.0, 1.0).numpy()


def load_digits(options: Mapping[str, Any], seed: int, validation_split: float) -> Dataset:
    check_known(options, BUILTIN_OPTIONS["digits"], "the built-in dataset 'digits'")
    # 'size' lets classic architectures such as LeNet-5 (32x32 inputs) use the 8x8 digits.
    size = get_size(options, "size", (8, 8))
    images, labels = _digit_images()
    check_images_fit(len(images), 1, size, "digit images")
    names = [str(d) for d in range(10)]
    description = BUILTINS_TEXT["digits"][2]
    if size != (8, 8):
        description += f" Enlarged to {size[0]}x{size[1]} pixels (bilinear)."
    return assemble(
        name="digits",
        kind="image",
        task="classification",
        train=Pool(x=_resize_images(images[:, None], size), targets=[names[v] for v in labels], source="digits"),
        test=None,
        seed=seed,
        validation_split=validation_split,
        class_order=names,
        description=description,
        attribution=DIGITS_ATTRIBUTION,
        meta={"size": list(size)},
    )


def load_basic_motions(options: Mapping[str, Any], seed: int, validation_split: float) -> Dataset:
    check_known(options, {}, "the built-in dataset 'basic_motions'")
    arrays = _npz("basic_motions.npz")
    names = [str(n) for n in arrays["class_names"]]

    def pool(split: str) -> Pool:
        return Pool(
            x=arrays[f"X_{split}"].astype(np.float32),
            targets=[names[v] for v in arrays[f"y_{split}"]],
            source=f"BasicMotions_{split.upper()}.ts",
        )

    return assemble(
        name="basic_motions",
        kind="sequence",
        task="classification",
        train=pool("train"),
        test=pool("test"),
        seed=seed,
        validation_split=validation_split,
        class_order=names,
        description=BUILTINS_TEXT["basic_motions"][2],
        attribution=BASIC_MOTIONS_ATTRIBUTION,
        meta={"channels": ["acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z"]},
    )


AIRLINE_TEST_WINDOWS = 24  # the last two years


def load_airline(options: Mapping[str, Any], seed: int, validation_split: float) -> Dataset:
    check_known(options, {"window": 12, "horizon": 1}, "the built-in dataset 'airline'")
    window = get_int(options, "window", 12)
    horizon = get_int(options, "horizon", 1)
    n_windows = 144 - window - horizon + 1
    if n_windows < 10:
        raise DataError(f"option 'window' is {window}: too long for 144 months; use at most {144 - horizon - 9}")
    test_windows = AIRLINE_TEST_WINDOWS if n_windows >= 60 else max(1, round(0.2 * n_windows))
    ds = load_csv(
        name="airline",
        train_path=_resource("airline.csv"),
        test_path=None,
        options={"mode": "timeseries", "window": window, "horizon": horizon, "test_windows": test_windows},
        seed=seed,
        validation_split=validation_split,
    )
    ds.description = (
        f"Monthly airline passengers 1949-1960: from the last {window} months, predict the month "
        f"{'after' if horizon == 1 else f'{horizon} months after'}. The last {test_windows} "
        "predictions are the test (the model never sees them while training)."
    )
    ds.attribution = AIRLINE_ATTRIBUTION
    ds.meta["source"] = "airline.csv"
    return ds


def load_digit_motion(options: Mapping[str, Any], seed: int, validation_split: float) -> Dataset:
    check_known(options, {}, "the built-in dataset 'digit_motion'")
    images, _ = _digit_images()
    x, labels, chosen = make_digit_motion(images)
    return assemble(
        name="digit_motion",
        kind="image_sequence",
        task="classification",
        train=Pool(x=x, targets=[DIRECTIONS[v] for v in labels], source="digit_motion"),
        test=None,
        seed=seed,
        validation_split=validation_split,
        class_order=list(DIRECTIONS),
        description=BUILTINS_TEXT["digit_motion"][2],
        attribution="Generated from the digits dataset: " + DIGITS_ATTRIBUTION,
        meta={"digit_index": chosen.tolist()},
    )


SENTIMENT_MAX_LENGTH = 20  # the longest generated sentence has 15 words


def load_sentiment_mini(options: Mapping[str, Any], seed: int, validation_split: float) -> Dataset:
    check_known(
        options, {"max_length": SENTIMENT_MAX_LENGTH, "padding": "pre"}, "the built-in dataset 'sentiment_mini'"
    )
    max_length = get_int(options, "max_length", SENTIMENT_MAX_LENGTH)
    padding = get_choice(options, "padding", "pre", PADDING_CHOICES)
    texts, labels = make_sentiment_mini()
    check_text_fits(len(texts), max_length, "sentences")
    return build_text_dataset(
        name="sentiment_mini",
        train_texts=texts,
        train_labels=labels,
        test_texts=None,
        test_labels=None,
        train_source="sentiment_mini",
        test_source=None,
        seed=seed,
        validation_split=validation_split,
        max_length=max_length,
        padding=padding,
        class_order=list(SENTIMENT_CLASSES),
        description=BUILTINS_TEXT["sentiment_mini"][2],
        attribution="Synthetic, generated by CNN-RNN Studio (no outside source).",
    )


BUILTINS_TEXT: dict[str, tuple[str, str, str]] = {
    "digits": (
        "Handwritten digits (8x8)",
        "image",
        "1,797 small grayscale pictures of handwritten digits 0-9 (8x8 pixels); tell which digit each shows.",
    ),
    "basic_motions": (
        "Basic motions (smart watch)",
        "sequence",
        "Smart-watch motion recordings, 6 sensor channels over 100 steps (10 seconds); tell the "
        "activity: standing, running, walking or badminton. 40 training and 40 test recordings.",
    ),
    "airline": (
        "Airline passengers (forecasting)",
        "sequence",
        "Monthly airline passengers 1949-1960; from the past 12 months, predict the next month "
        "(the last two years are kept for testing).",
    ),
    "digit_motion": (
        "Moving digits (image sequences)",
        "image_sequence",
        "1,600 short clips of 8 frames (16x16 pixels) in which a handwritten digit slides up, down, "
        "left or right; tell the direction. Made from the digits dataset.",
    ),
    "sentiment_mini": (
        "Mini sentiment (synthetic text)",
        "tokens",
        "2,000 synthetic short review sentences, positive or negative; the meaning hangs on word order "
        "('not good', 'bad but fun'), so a sequence model beats a bag of words.",
    ),
}

_LOADERS: dict[str, Loader] = {
    "digits": load_digits,
    "basic_motions": load_basic_motions,
    "airline": load_airline,
    "digit_motion": load_digit_motion,
    "sentiment_mini": load_sentiment_mini,
}

BUILTIN_DATASETS: dict[str, BuiltinInfo] = {
    name: BuiltinInfo(label, kind, description, _LOADERS[name])
    for name, (label, kind, description) in BUILTINS_TEXT.items()
}

BUILTIN_OPTIONS: dict[str, dict[str, Any]] = {
    "digits": {"size": [8, 8]},
    "basic_motions": {},
    "airline": {"window": 12, "horizon": 1},
    "digit_motion": {},
    "sentiment_mini": {"max_length": SENTIMENT_MAX_LENGTH, "padding": "pre"},
}


def load_builtin(name: Any, options: Mapping[str, Any], seed: int, validation_split: float) -> Dataset:
    info = BUILTIN_DATASETS.get(name) if isinstance(name, str) else None
    if info is None:
        known = ", ".join(sorted(BUILTIN_DATASETS))
        raise DataError(f"unknown built-in dataset {name!r}; the built-in datasets are: {known}")
    return info.loader(options, seed, validation_split)
