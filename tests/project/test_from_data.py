"""A network proposed for the person's own data: it passes the network and dataset-fit checks,
its Input and last Dense match the data, and it trains (no Qt here)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import cnnrnn_studio as cs
from cnnrnn_studio.data import DataError
from cnnrnn_studio.project.from_data import (DENSE, ProposalError, csv_section, image_folder_defaults, inspect_csv,
                                             last_dense, propose_all, propose_project, with_test_share)
from cnnrnn_studio.project.fit import dataset_fit_problems

CLASSES = ("circle", "cross", "square")


def make_images(root, size=12, per_class=6, colour=False):
    rng = np.random.default_rng(0)
    for k, name in enumerate(CLASSES):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            shape = (size, size, 3) if colour else (size, size)
            pixels = (rng.random(shape) * 80 + 60 * k).astype("uint8")
            Image.fromarray(pixels).save(root / name / f"{i}.png")
    return root


def make_table(path, n=60):
    rng = np.random.default_rng(1)
    lines = ["length,width,height,species"]
    for i in range(n):
        k = i % 3
        x = rng.normal(size=3) + 2 * k
        lines.append(",".join(f"{v:.3f}" for v in x) + f",{['setosa', 'versicolor', 'virginica'][k]}")
    path.write_text("\n".join(lines) + "\n")
    return path


def make_text(path, n=40):
    rng = np.random.default_rng(2)
    words = ["the", "film", "plot", "actor", "music", "was", "really", "quite"]
    lines = ["review,label"]
    for i in range(n):
        good = i % 2
        body = [words[j] for j in rng.integers(0, len(words), 5)]
        body += ["great", "fun"] if good else ["dull", "awful"]
        lines.append(" ".join(body) + "," + ("positive" if good else "negative"))
    path.write_text("\n".join(lines) + "\n")
    return path


def make_ts(path, n=24, unequal=True):
    """A UEA .ts file with 2 dimensions; lengths 9 to 11 when unequal."""
    rng = np.random.default_rng(3)
    lines = ["@problemName Wiggle", "@dimensions 2", f"@equalLength {'false' if unequal else 'true'}"]
    if not unequal:
        lines.append("@seriesLength 10")
    lines += ["@classLabel true up down", "@data"]
    for i in range(n):
        label = ("up", "down")[i % 2]
        t = 9 + (i % 3) if unequal else 10
        dims = [",".join(f"{v:.3f}" for v in rng.normal(size=t) + d) for d in range(2)]
        lines.append(":".join(dims) + ":" + label)
    path.write_text("\n".join(lines) + "\n")
    return path


def input_params(project):
    (bid,) = project.graph.of_type("Input")
    return project.graph.block(bid).params


def out_features(project):
    (oid,) = project.graph.of_type("Output")
    return project.graph.block(last_dense(project.graph, oid)).params["out_features"]


def trains(project, tmp_path):
    run = cs.train(project, epochs=1, device="cpu", out=tmp_path / "run")
    assert run.metrics and np.isfinite(run.metrics[-1]["train_loss"])
    return run


def ready(project):
    project.check()
    assert dataset_fit_problems(project) == []


# --- each kind of data -------------------------------------------------------------------------------------
def test_image_folder_gets_a_cnn_fitted_to_its_size_and_classes(tmp_path):
    folder = make_images(tmp_path / "shapes")
    section = {"kind": "file", "format": "image_folder", "train": str(folder), "size": [12, 12],
               "color": "grayscale"}
    project, why = propose_project(section, tmp_path, validation_split=0.25)
    # 12x12 is too small for LeNet-5's two 5x5 convolutions and poolings: the small CNN fits.
    assert {b.type for b in project.graph.blocks} >= {"Conv2d", "MaxPool2d", "Dense"}
    assert input_params(project) == {"kind": "image", "shape": [1, 12, 12]}
    assert out_features(project) == 3
    assert project.dataset == section and project.path is None
    assert project.training["validation_split"] == 0.25
    assert "3 classes" in why and "[1, 12, 12]" in why
    ready(project)
    trains(project, tmp_path)


def test_lenet5_is_proposed_for_bigger_pictures_and_explained_when_too_small(tmp_path):
    folder = make_images(tmp_path / "shapes", colour=True)
    project, _ = propose_project({"kind": "file", "train": str(folder), "size": [32, 32], "color": "rgb"})
    assert "c1" in project.graph and input_params(project)["shape"] == [3, 32, 32]
    ready(project)
    with pytest.raises(ProposalError, match="LeNet-5.*bigger image size"):
        propose_project({"kind": "file", "train": str(folder), "size": [12, 12]}, network="lenet5")


def test_a_relative_folder_becomes_an_absolute_path(tmp_path):
    make_images(tmp_path / "shapes")
    project, _ = propose_project({"kind": "file", "train": "shapes", "size": [12, 12]}, base_dir=tmp_path)
    assert project.dataset["train"] == str(tmp_path / "shapes")
    assert project.dataset["format"] == "image_folder"


def test_csv_table_gets_a_small_dense_network(tmp_path):
    path = make_table(tmp_path / "flowers.csv")
    info = inspect_csv(path)
    assert (info.mode, info.columns[info.label_index], info.has_header) == ("table", "species", True)
    section = csv_section(path, info, info.mode, info.label_index)
    assert section["label_column"] == "species"
    project, why = propose_project(section, tmp_path)
    assert [b.type for b in project.graph.blocks] == ["Input", "Dense", "ReLU", "Dense", "Output"]
    assert input_params(project) == {"kind": "vector", "shape": [3]}
    assert out_features(project) == 3
    ready(project)
    trains(project, tmp_path)


def test_csv_table_with_a_number_to_predict_is_regression(tmp_path):
    path = make_table(tmp_path / "flowers.csv")
    info = inspect_csv(path)
    section = csv_section(path, info, "table", 0)  # predict 'length' (decimals: regression) from the rest
    project, _ = propose_project(section, tmp_path)
    assert project.graph.block("output").params["task"] == "regression"
    assert out_features(project) == 1


def test_variable_length_sequences_leave_the_time_axis_open(tmp_path):
    path = make_ts(tmp_path / "wiggle.ts")
    proposals = propose_all({"kind": "file", "train": str(path)}, tmp_path)
    assert [p.choice.id for p in proposals] == ["cnn1d_classifier", "lstm_classifier"]
    assert all(p.ok for p in proposals)
    project, _ = propose_project({"kind": "file", "train": str(path)}, tmp_path)
    assert "conv1" in project.graph  # the 1-d CNN is the default
    assert input_params(project) == {"kind": "sequence", "shape": [None, 2]}
    assert out_features(project) == 2
    ready(project)
    trains(project, tmp_path)
    lstm, _ = propose_project({"kind": "file", "train": str(path)}, tmp_path, network="lstm_classifier")
    assert "lstm" in lstm.graph and input_params(lstm)["shape"] == [None, 2]
    ready(lstm)


def test_npz_sequences(tmp_path):
    rng = np.random.default_rng(4)
    np.savez(tmp_path / "seq.npz", X=rng.normal(size=(30, 16, 3)).astype("float32"), y=np.arange(30) % 3)
    project, _ = propose_project({"kind": "file", "train": str(tmp_path / "seq.npz")}, tmp_path)
    assert input_params(project) == {"kind": "sequence", "shape": [16, 3]}
    assert out_features(project) == 3
    ready(project)
    trains(project, tmp_path)


def test_text_csv_gets_embedding_and_lstm_with_room_for_every_word(tmp_path):
    path = make_text(tmp_path / "reviews.csv")
    info = inspect_csv(path)
    assert (info.mode, info.columns[info.label_index]) == ("text", "label")
    project, _ = propose_project(csv_section(path, info, "text", info.label_index), tmp_path)
    assert input_params(project)["kind"] == "tokens"
    assert out_features(project) == 2
    assert project.graph.block("embed").params["num_embeddings"] >= 12
    ready(project)
    trains(project, tmp_path)


def test_csv_time_series_is_detected_and_forecast(tmp_path):
    rows = ["month,passengers"] + [f"2001-{1 + i % 12:02d}-01,{100 + i + 10 * np.sin(i):.2f}" for i in range(60)]
    path = tmp_path / "air.csv"
    path.write_text("\n".join(rows) + "\n")
    info = inspect_csv(path)
    assert (info.mode, info.columns[info.label_index]) == ("timeseries", "passengers")
    section = with_test_share(csv_section(path, info, "timeseries", info.label_index), 48, 0.25)
    assert section["target_column"] == "passengers" and section["test_windows"] == 12
    project, _ = propose_project(section, tmp_path)
    assert "gru" in project.graph
    assert input_params(project) == {"kind": "sequence", "shape": [12, 1]}
    assert project.graph.block("output").params["task"] == "regression"
    ready(project)


def test_image_folder_defaults_follow_the_pictures(tmp_path):
    assert image_folder_defaults(make_images(tmp_path / "grey", size=12)) == {"size": [12, 12], "color": "grayscale"}
    assert image_folder_defaults(make_images(tmp_path / "rgb", size=30, colour=True)) == {"size": [28, 28],
                                                                                             "color": "rgb"}


def test_the_dense_network_is_built_from_blocks():
    from cnnrnn_studio.project.from_data import dense_network

    p = dense_network()
    assert [b.id for b in p.graph.blocks] == ["input", "dense1", "relu1", "dense2", "output"]
    assert p.graph.block("dense1").params["out_features"] == 64
    p.check()
    assert DENSE == "dense"


# --- bad input: plain words, never a traceback ------------------------------------------------------------
def test_bad_input_is_a_plain_data_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no class sub-folders"):
        propose_project({"kind": "file", "train": str(tmp_path / "empty")})
    one = tmp_path / "one"
    (one / "cat").mkdir(parents=True)
    Image.fromarray(np.zeros((8, 8), "uint8")).save(one / "cat" / "a.png")
    with pytest.raises(DataError):
        propose_project({"kind": "file", "train": str(one)})
    (tmp_path / "broken.csv").write_bytes(b"\xff\xfe\x00garbage\x81")
    with pytest.raises(DataError, match="not UTF-8"):
        inspect_csv(tmp_path / "broken.csv")
    (tmp_path / "fake.npz").write_text("not numpy")
    with pytest.raises(DataError, match="not a readable .npz"):
        propose_project({"kind": "file", "train": str(tmp_path / "fake.npz")})


def test_label_strings_on_pictures_get_the_crnn_ctc_reader():
    """Digit strings (a string per picture, CTC) are read by the CRNN + CTC template, fitted to the
    pictures and the symbols; no picture classifier is proposed for them."""
    proposals = propose_all({"kind": "builtin", "name": "digit_strings"})
    assert [p.choice.id for p in proposals] == ["crnn_ctc"] and proposals[0].ok, proposals[0].problems
    project = proposals[0].project
    a = project.analyze()
    assert a.ok and a.specs["output"].show() == "[28, 11]"           # 10 digits + the blank at 28 columns
    assert project.graph.block("output").params["task"] == "ctc"
    assert "strings of 10 different symbols to read" in proposals[0].explanation[0]
