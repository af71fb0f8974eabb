"""Data layer of CNN-RNN Studio: built-in datasets, importers (CSV, .ts, UCR .tsv, NPZ, image
folders), seeded splits and batching. Qt-free; every bad input is a ``DataError`` in plain words.
"""

from .batching import count_batches, iter_batches
from .builtin import BUILTIN_DATASETS, BUILTIN_OPTIONS, BuiltinInfo, resources_dir
from ..kinds import KIND_NAMES as KINDS
from .dataset import TASKS, Dataset, DataSplit
from .errors import DataError
from .loader import CSV_MODE_OPTIONS, FILE_FORMATS, guess_format, load_dataset
from .text import decode_tokens, encode_texts, tokenize

__all__ = [
    "BUILTIN_DATASETS",
    "BUILTIN_OPTIONS",
    "CSV_MODE_OPTIONS",
    "FILE_FORMATS",
    "KINDS",
    "TASKS",
    "BuiltinInfo",
    "DataError",
    "DataSplit",
    "Dataset",
    "count_batches",
    "decode_tokens",
    "encode_texts",
    "guess_format",
    "iter_batches",
    "load_dataset",
    "resources_dir",
    "tokenize",
]
