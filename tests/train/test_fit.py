import pytest
import torch

from cnnrnn_studio.data import DataSplit, Dataset
from cnnrnn_studio.errors import StudioError
from cnnrnn_studio.project import load_template
from cnnrnn_studio.train import dataset_fit_problems, train
from cnnrnn_studio.train import events as ev
from cnnrnn_studio.project.fit import fit_problems

from .helpers import Recorder, blobs, gru_classifier, make_project, variable_sequences, vector_classifier


def test_a_fitting_dataset_has_no_problems():
    assert fit_problems(vector_classifier(), blobs()) == []
    assert fit_problems(gru_classifier(), variable_sequences()) == []


def test_class_count_mismatch_names_the_last_dense():
    (msg,) = fit_problems(vector_classifier(n_classes=4), blobs(n_classes=3))
    assert msg == "The data has 3 classes but the last Dense 'dense2' gives 4: set its Outputs to 3."


def test_the_dense_is_found_behind_activations_and_dropout():
    p = make_project([
        ("in", "Input", {"kind": "vector", "shape": [4]}),
        ("fc", "Dense", {"out_features": 5}),
        ("drop", "Dropout", {"p": 0.1}),
        ("soft", "Softmax", {}),
        ("out", "Output", {"task": "classification"}),
    ])
    (msg,) = fit_problems(p, blobs())
    assert "the last Dense 'fc' gives 5" in msg


def test_input_shape_mismatch_says_what_to_set():
    d = blobs(n_features=6)
    (msg,) = fit_problems(vector_classifier(n_features=4), d)
    assert msg == ("The Input 'input' expects vector [4] but the data gives vector [6]: "
                   "set the Input shape to [6].")


def test_input_kind_mismatch():
    (msg,) = fit_problems(gru_classifier(), blobs(n_classes=2))
    assert msg.startswith("The Input 'input' expects sequence [null, 2] but the data gives vector [4]: "
                          "set the Input kind to vector")


def test_variable_length_data_needs_an_open_time_axis():
    p = make_project([
        ("input", "Input", {"kind": "sequence", "shape": [5, 2]}),
        ("gru", "GRU", {"hidden_size": 4}),
        ("dense", "Dense", {"out_features": 2}),
        ("output", "Output", {"task": "classification"}),
    ])
    (msg,) = fit_problems(p, variable_sequences())
    assert "different lengths" in msg and "set the Input shape to [null, 2]" in msg


def test_output_task_mismatch():
    from .helpers import linear_regression

    p = vector_classifier(n_features=3, n_classes=2)
    problems = fit_problems(p, linear_regression())
    assert problems == ["The Output 'output' is set to classification but the data is for regression: "
                        "set the Output task to regression."]


def test_vocabulary_larger_than_the_embedding():
    p = make_project([
        ("input", "Input", {"kind": "tokens", "shape": [5]}),
        ("embed", "Embedding", {"num_embeddings": 10, "embedding_dim": 4}),
        ("lstm", "LSTM", {"hidden_size": 4}),
        ("dense", "Dense", {"out_features": 2}),
        ("output", "Output", {"task": "classification"}),
    ])
    x = torch.randint(0, 30, (8, 5))
    split = DataSplit(x, torch.arange(8) % 2)
    d = Dataset(name="words", kind="tokens", task="classification", sample_shape=(5,), train=split, val=split,
                test=split, class_names=["no", "yes"], n_outputs=2, vocab=[f"w{i}" for i in range(25)])
    (msg,) = fit_problems(p, d)
    assert "vocabulary has 30 words" in msg and "Embedding 'embed' has room for 10" in msg
    assert "at least 30" in msg


def test_builtin_digits_against_a_template_with_the_wrong_class_count():
    p = load_template("digits_cnn")
    p.graph.set_param("dense2", "out_features", 4)
    assert dataset_fit_problems(p) == [
        "The data has 10 classes but the last Dense 'dense2' gives 4: set its Outputs to 10."]


def test_an_unloadable_dataset_is_a_studio_error():
    p = vector_classifier(dataset={"kind": "builtin", "name": "no_such_dataset"})
    with pytest.raises(StudioError, match="The dataset cannot be loaded"):
        dataset_fit_problems(p)


def test_train_refuses_to_start_with_the_same_messages(tmp_path):
    rec = Recorder()
    with pytest.raises(StudioError) as ei:
        train(vector_classifier(n_classes=4), dataset=blobs(), out=tmp_path / "run", listener=rec)
    assert "The data has 3 classes but the last Dense 'dense2' gives 4" in str(ei.value)
    (failed,) = rec.of(ev.Failed)
    assert failed.epoch is None and failed.run_dir is None
    assert not (tmp_path / "run").exists()


def test_a_project_without_dataset_cannot_train(tmp_path):
    with pytest.raises(StudioError, match="The project has no dataset"):
        train(vector_classifier(), out=tmp_path / "run")


def test_check_command_prints_the_fit_problem(tmp_path, capsys):
    from cnnrnn_studio import cli

    p = load_template("digits_cnn")
    p.graph.set_param("dense2", "out_features", 4)
    p.save(tmp_path / "p.json")
    assert cli.main(["check", str(tmp_path / "p.json")]) == 1
    assert "Error: The data has 10 classes but the last Dense 'dense2' gives 4" in capsys.readouterr().out
