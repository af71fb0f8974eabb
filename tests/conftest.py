"""Settings every test shares."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def _image_cache_in_a_temporary_folder(tmp_path_factory):
    """Image folders are decoded into a cache (data/image_cache.py): tests keep it in a temporary
    folder of their own, never in the user's cache folder, and apart from any test's tmp_path
    (tests check that nothing under it changed)."""
    old = os.environ.get("CNNRNN_STUDIO_CACHE_DIR")
    os.environ["CNNRNN_STUDIO_CACHE_DIR"] = str(tmp_path_factory.mktemp("image-cache"))
    yield
    if old is None:
        os.environ.pop("CNNRNN_STUDIO_CACHE_DIR", None)
    else:
        os.environ["CNNRNN_STUDIO_CACHE_DIR"] = old
