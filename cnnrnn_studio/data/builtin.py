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

from .assemble import Pool, assemble, make_split
from .csv_format import check_text_fits, load_csv
from .dataset import Dataset
from .errors import DataError
from .image_folder import check_images_fit
from .options import check_known, get_bool, get_choice, get_int, get_size
from .synthetic import (DIRECTIONS, SENTIMENT_CLASSES, STRINGS_SEED, make_digit_motion,
                        make_digit_motion_per_frame, make_digit_strings, make_sentiment_mini)
from .text import PADDING_CHOICES, build_text_dataset
from .text_corpus import TEXT_OPTIONS, text_corpus_dataset

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
    check_known(options, BUILTIN_OPTIONS["airline"], "the built-in dataset 'airline'")
    if options.get("ahead") is not None:
        return load_airline_ahead(options, seed, validation_split)
    if options.get("difference", 0) != 0:
        raise DataError("option 'difference' goes with 'ahead' (forecasting several months); set 'ahead' too")
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


AIRLINE_MONTHS = 144
AIRLINE_TEST_MONTHS = 24  # multi-step: every test forecast lies in the last two years


def _airline_series() -> tuple[list[str], np.ndarray]:
    path = _resource("airline.csv")
    lines = path.read_text(encoding="utf-8").strip().splitlines()[1:]
    dates = [line.split(",")[0].strip() for line in lines]
    values = np.array([float(line.split(",")[1]) for line in lines], dtype=np.float64)
    if len(values) != AIRLINE_MONTHS:
        raise DataError(f"the built-in data file {path} has {len(values)} months instead of 144: the installation "
                        "is damaged", path=path)
    return dates, values


def load_airline_ahead(options: Mapping[str, Any], seed: int, validation_split: float) -> Dataset:
    """Airline passengers, many months ahead: X the last ``window`` months [window, 1], y the next
    ``ahead`` months, one per output step [ahead, 1] (a sequence-to-sequence forecast).

    Split in time, with no forecast month shared between training and testing: a test window's
    forecast lies wholly in the last 24 months, a training or validation window's forecast wholly
    before them. Validation takes the last ``validation_split`` of the training windows.

    Option ``difference`` D (months, default 0): the windows are cut from the change over D months,
    value[t] - value[t - D], instead of the values (D = 12: how much each month differs from the
    same month a year before). The month D before a forecast month is always known, so an error in
    a forecast change is the same error, in passengers, in the forecast month itself."""
    del seed  # the split follows time
    window = get_int(options, "window", 12)
    ahead = get_int(options, "ahead", None)
    difference = get_int(options, "difference", 0, minimum=0)
    if difference > 24:
        raise DataError(f"option 'difference' is {difference}: use 0 (none), 1 (month to month), 12 (same month a "
                        "year before) or another number of months up to 24")
    if options.get("horizon", 1) != 1:
        raise DataError("options 'horizon' and 'ahead' cannot be combined: 'ahead' forecasts every month from the "
                        "next one on; leave 'horizon' out")
    if ahead > AIRLINE_TEST_MONTHS:
        raise DataError(f"option 'ahead' is {ahead}: at most {AIRLINE_TEST_MONTHS} months can be forecast, as the "
                        f"test part holds the last {AIRLINE_TEST_MONTHS} months")
    dates, values = _airline_series()
    if difference:
        values = values[difference:] - values[:-difference]
        dates = dates[difference:]
    months = len(values)
    first_test = months - AIRLINE_TEST_MONTHS  # index of the first test month
    n_fit = first_test - window - ahead + 1  # windows whose forecast ends before the test months
    if n_fit < 10:
        raise DataError(f"option 'window' is {window}: too long for {months} months with 'ahead' {ahead}; use at "
                        f"most {first_test - ahead - 9}")
    fit_starts = np.arange(n_fit)
    test_starts = np.arange(first_test - window, months - window - ahead + 1)
    n_val = int(np.floor(n_fit * validation_split + 0.5))
    starts = {"train": fit_starts[: n_fit - n_val], "val": fit_starts[n_fit - n_val:], "test": test_starts}
    seen = values[: int(starts["train"][-1]) + window + ahead]  # what training reads: scale by it only
    mean, std = float(seen.mean()), float(seen.std())
    scaled = (values - mean) / std
    offsets, after = np.arange(window), np.arange(ahead)
    splits = {}
    for name, st in starts.items():
        x = scaled[st[:, None] + offsets][..., None].astype(np.float32)
        y = ((values[st[:, None] + window + after] - mean) / std)[..., None]
        splits[name] = make_split(x, y, "sequence", "regression", per_step=True)
    what = "months" if not difference else (
        "months' change over the same month a year before" if difference == 12 else f"months' change over {difference} "
        f"month{'s' if difference > 1 else ''} before")
    description = (
        f"Monthly airline passengers 1949-1960: from the last {window} {what}, forecast each of the next {ahead} "
        f"(one output step per month). The test forecasts all lie in the last {AIRLINE_TEST_MONTHS} months, which "
        "training never sees as a target."
    )
    if difference:
        description += (" The month a change starts from is always known, so an error in a forecast change is the "
                        "same error in passengers.")
    name = "Passengers" if not difference else f"Passengers change over {difference} months"
    meta = {
        "window": window, "ahead": ahead, "difference": difference, "feature_names": [name], "target_name": name,
        "feature_mean": [mean], "feature_std": [std], "target_mean": [mean], "target_std": [std],
        "series": values.tolist(), "dates": dates,
        "target_rows": {k: (v + window).tolist() for k, v in starts.items()},
        "indices": {k: v.tolist() for k, v in starts.items()}, "test_from": "split", "source": "airline.csv",
    }
    return Dataset(
        name="airline", kind="sequence", task="regression", sample_shape=(window, 1),
        train=splits["train"], val=splits["val"], test=splits["test"], n_outputs=1,
        description=description, attribution=AIRLINE_ATTRIBUTION, meta=meta, per_step=True,
    )


def load_digit_motion(options: Mapping[str, Any], seed: int, validation_split: float) -> Dataset:
    check_known(options, BUILTIN_OPTIONS["digit_motion"], "the built-in dataset 'digit_motion'")
    images, _ = _digit_images()
    if get_bool(options, "per_frame", False):
        x, labels, chosen = make_digit_motion_per_frame(images)
        return assemble(
            name="digit_motion",
            kind="image_sequence",
            task="classification",
            train=Pool(x=x, targets=labels, source="digit_motion"),
            test=None,
            seed=seed,
            validation_split=validation_split,
            class_order=list(DIRECTIONS),
            description=(
                "1,600 clips of 8 frames (16x16 pixels) in which a handwritten digit slides one pixel per frame "
                "and turns up to twice; tell, at every frame, which way it has just moved (up, down, left, "
                "right; the first frame has not moved yet and does not count). Made from the digits dataset."),
            attribution="Generated from the digits dataset: " + DIGITS_ATTRIBUTION,
            meta={"digit_index": chosen.tolist()},
            per_step=True,
        )
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


STRINGS_TEST_DIGITS = 0.2  # share of the 1,797 digit images kept for the test strings
STRINGS_COUNTS = {"train": 3_000, "test": 600}
STRINGS_MAX = 6


def load_digit_strings(options: Mapping[str, Any], seed: int, validation_split: float) -> Dataset:
    """Rows of 2 to 6 handwritten digits side by side, to read as a string (CTC); with option
    'length' N, rows of exactly N digits with the digit at every position as its label (a class per
    output step, for an image -> sequence network). The test strings are made only of digit images
    that no training or validation string uses."""
    check_known(options, BUILTIN_OPTIONS["digit_strings"], "the built-in dataset 'digit_strings'")
    length = get_int(options, "length", None)
    if length is not None and length > STRINGS_MAX:
        raise DataError(f"option 'length' must be 1 to {STRINGS_MAX} digits, got {length}")
    images, labels = _digit_images()
    order = np.random.default_rng(STRINGS_SEED).permutation(len(images))
    n_test = int(round(len(images) * STRINGS_TEST_DIGITS))
    pools = {"train": order[n_test:], "test": order[:n_test]}
    lo, hi = (2, STRINGS_MAX) if length is None else (length, length)
    made = {}
    for k, (split, idx) in enumerate(pools.items()):
        made[split] = make_digit_strings(images[idx], labels[idx], STRINGS_COUNTS[split], lo, hi, STRINGS_SEED + k + 1)
    names = [str(d) for d in range(10)]
    width = made["train"][0].shape[-1]
    if length is None:
        what = ("Read the whole string: the labels are the digit strings (2 to 6 digits), with no position of "
                "each digit given, for a CRNN trained with CTC.")
    else:
        what = (f"Every row holds exactly {length} digits; tell the digit at each of the {length} positions (a "
                "class per output step).")
    description = (
        f"3,600 rows of handwritten digits side by side (8x{width} pixels), made from the UCI digits. {what} The "
        f"600 test rows use only digit images ({n_test} of the 1,797) that no training row uses."
    )
    return assemble(
        name="digit_strings",
        kind="image",
        task="ctc" if length is None else "classification",
        train=Pool(x=made["train"][0], targets=made["train"][1], source="digit_strings"),
        test=Pool(x=made["test"][0], targets=made["test"][1], source="digit_strings (test digits)"),
        seed=seed,
        validation_split=validation_split,
        class_order=names,
        description=description,
        attribution="Generated from the digits dataset: " + DIGITS_ATTRIBUTION,
        meta={"length": length, "test_digit_images": sorted(int(i) for i in pools["test"])},
        per_step=length is not None,
    )


CORPUS_FILE = "founding_documents.txt.gz"
CORPUS_ATTRIBUTION = (
    "The Declaration of Independence (1776), the Articles of Confederation (1777), the Constitution of the United "
    "States (1787) and the Bill of Rights (1789): texts of the United States founding era, in the public domain "
    "(no copyright; official texts as published by the U.S. National Archives)."
)


def load_text_corpus_builtin(options: Mapping[str, Any], seed: int, validation_split: float) -> Dataset:
    import gzip

    del seed
    path = _resource(CORPUS_FILE)
    with gzip.open(path, "rt", encoding="utf-8") as f:
        text = f.read()
    ds = text_corpus_dataset(
        name="founding_documents", text=text, test_text=None, options=options, validation_split=validation_split,
        source_name="the founding documents", source=CORPUS_FILE, context="the built-in dataset 'founding_documents'",
    )
    ds.description = BUILTINS_TEXT["founding_documents"][2] + " " + ds.description
    ds.attribution = CORPUS_ATTRIBUTION
    return ds


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
        "Monthly airline passengers 1949-1960 (Box and Jenkins, series G); from the past 12 months, predict the "
        "next month (the last two years are kept for testing). Option 'ahead' 12: forecast each of the next 12 "
        "months, one output step per month ('difference' 12: as the change over the same month a year before).",
    ),
    "digit_motion": (
        "Moving digits (image sequences)",
        "image_sequence",
        "1,600 short clips of 8 frames (16x16 pixels) in which a handwritten digit slides up, down, "
        "left or right; tell the direction. Made from the UCI digits (CC BY 4.0). Option 'per_frame': the digit "
        "turns up to twice, and every frame is labelled with the way it has just moved.",
    ),
    "digit_strings": (
        "Digit strings (read a row of digits)",
        "image",
        "Rows of 2 to 6 handwritten digits side by side (8x56 pixels); read the string, e.g. '4071'. Made from "
        "the UCI digits (CC BY 4.0); the test rows use digit images no training row uses. Option 'length' N: "
        "rows of exactly N digits, labelled position by position.",
    ),
    "founding_documents": (
        "Founding documents (text to write)",
        "tokens",
        "59,000 characters of public-domain English: the US Declaration of Independence, the Articles of "
        "Confederation, the Constitution and the Bill of Rights, in that order. Predict the next character at "
        "every step; a trained network can then write text in their style.",
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
    "digit_strings": load_digit_strings,
    "founding_documents": load_text_corpus_builtin,
}

BUILTIN_DATASETS: dict[str, BuiltinInfo] = {
    name: BuiltinInfo(label, kind, description, _LOADERS[name])
    for name, (label, kind, description) in BUILTINS_TEXT.items()
}

BUILTIN_OPTIONS: dict[str, dict[str, Any]] = {
    "digits": {"size": [8, 8]},
    "basic_motions": {},
    "airline": {"window": 12, "horizon": 1, "ahead": None, "difference": 0},
    "digit_motion": {"per_frame": False},
    "sentiment_mini": {"max_length": SENTIMENT_MAX_LENGTH, "padding": "pre"},
    "digit_strings": {"length": None},
    "founding_documents": dict(TEXT_OPTIONS),
}


def load_builtin(name: Any, options: Mapping[str, Any], seed: int, validation_split: float) -> Dataset:
    info = BUILTIN_DATASETS.get(name) if isinstance(name, str) else None
    if info is None:
        known = ", ".join(sorted(BUILTIN_DATASETS))
        raise DataError(f"unknown built-in dataset {name!r}; the built-in datasets are: {known}")
    return info.loader(options, seed, validation_split)
