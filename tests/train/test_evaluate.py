import math

import pytest
import torch

from cnnrnn_studio.data import DataSplit
from cnnrnn_studio.train import evaluate


class Echo(torch.nn.Module):
    """Returns its input: the 'logits' are whatever the test puts in x."""

    def __init__(self):
        super().__init__()
        self.scale = torch.nn.Parameter(torch.ones(()))

    def forward(self, x):
        return x * self.scale


def _classification_split(true, pred, k):
    x = torch.nn.functional.one_hot(torch.tensor(pred), k).float() * 5
    return DataSplit(x, torch.tensor(true))


def test_confusion_matrix_and_per_class_scores_by_hand():
    true = [0, 0, 0, 1, 1, 2, 2, 2, 2, 0]
    pred = [0, 1, 0, 1, 1, 2, 0, 2, 1, 0]
    r = evaluate(Echo(), _classification_split(true, pred, 3), "classification", ["cat", "dog", "eel"])
    assert r["confusion_matrix"] == [[3, 1, 0],
                                     [0, 2, 0],
                                     [1, 1, 2]]       # rows = true class
    assert r["accuracy"] == pytest.approx(7 / 10)
    assert r["predictions"] == pred and r["targets"] == true and r["n"] == 10
    cat, dog, eel = r["per_class"]
    assert cat["class"] == "cat" and cat["support"] == 4
    assert cat["precision"] == pytest.approx(3 / 4) and cat["recall"] == pytest.approx(3 / 4)
    assert dog["precision"] == pytest.approx(2 / 4) and dog["recall"] == pytest.approx(1.0)
    assert dog["f1"] == pytest.approx(2 * 0.5 * 1 / 1.5)
    assert eel["precision"] == pytest.approx(1.0) and eel["recall"] == pytest.approx(2 / 4)
    assert r["macro_f1"] == pytest.approx((0.75 + 2 / 3 + 2 / 3) / 3)
    assert r["loss"] > 0


def test_a_class_never_predicted_has_zero_precision_not_an_error():
    r = evaluate(Echo(), _classification_split([0, 1, 2], [0, 0, 0], 3), "classification", ["a", "b", "c"])
    assert r["per_class"][1] == {"class": "b", "precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert r["confusion_matrix"] == [[1, 0, 0], [1, 0, 0], [1, 0, 0]]


def test_regression_metrics_are_in_original_units():
    # standardised predictions and targets; original = value * 10 + 100
    pred = torch.tensor([[0.0], [1.0], [-1.0], [0.5]])
    true = torch.tensor([[0.1], [0.8], [-1.0], [0.0]])
    r = evaluate(Echo(), DataSplit(pred, true), "regression", None, {"target_mean": [100.0], "target_std": [10.0]})
    errors = [1.0, 2.0, 0.0, 5.0]  # |pred - true| * 10
    assert r["mae"] == pytest.approx(sum(errors) / 4)
    assert r["rmse"] == pytest.approx(math.sqrt(sum(e * e for e in errors) / 4))
    assert r["predictions"] == [[100.0], [110.0], [90.0], [105.0]]
    assert [t[0] for t in r["targets"]] == pytest.approx([101.0, 108.0, 90.0, 100.0])
    assert r["per_target"][0]["mae"] == pytest.approx(2.0)


def test_regression_without_scaling_info_keeps_values():
    pred = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    true = torch.tensor([[1.0, 1.0], [3.0, 3.0]])
    r = evaluate(Echo(), DataSplit(pred, true), "regression", None, {})
    assert r["mae"] == pytest.approx(0.5) and r["rmse"] == pytest.approx(math.sqrt(0.5))
    assert [t["mae"] for t in r["per_target"]] == pytest.approx([0.0, 1.0])


def test_an_empty_split_scores_nothing():
    r = evaluate(Echo(), DataSplit(torch.zeros(0, 3), torch.zeros(0, dtype=torch.int64)), "classification",
                 ["a", "b", "c"])
    assert r["n"] == 0 and r["accuracy"] is None and r["confusion_matrix"] == [[0] * 3] * 3


def test_variable_length_predictions_come_back_in_sample_order():
    class Last(torch.nn.Module):
        def forward(self, x):  # [B, T, 2] -> the last step
            return x[:, -1, :]

    xs = [torch.full((t, 2), float(i)) for i, t in enumerate([3, 5, 3, 4, 5])]
    for i, x in enumerate(xs):
        x[-1] = torch.tensor([1.0, 0.0]) if i % 2 else torch.tensor([0.0, 1.0])
    y = torch.tensor([1, 0, 1, 0, 1])
    r = evaluate(Last(), DataSplit(xs, y), "classification", ["a", "b"])
    assert r["predictions"] == [1, 0, 1, 0, 1] and r["accuracy"] == 1.0
