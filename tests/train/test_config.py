import pytest

from cnnrnn_studio.errors import StudioError
from cnnrnn_studio.train import ConfigError, TrainConfig


def test_defaults_when_the_section_is_missing():
    c = TrainConfig.from_dict(None)
    assert (c.epochs, c.batch_size, c.optimizer, c.learning_rate, c.weight_decay, c.momentum) == \
        (20, 64, "adam", 0.001, 0.0, 0.9)
    assert (c.scheduler, c.grad_clip, c.early_stopping_patience, c.validation_split, c.seed, c.device,
            c.mixed_precision, c.num_threads) == ("none", None, None, 0.2, 0, "auto", False, None)


def test_section_values_are_read_and_overrides_win():
    c = TrainConfig.from_dict({"epochs": 30, "learning_rate": 0.002, "scheduler": "cosine", "optimizer": "SGD"},
                              epochs=3, batch_size=None, lr=0.5)
    assert c.epochs == 3            # override
    assert c.batch_size == 64       # None = flag not given
    assert c.learning_rate == 0.5   # 'lr' is an alias
    assert c.scheduler == "cosine" and c.optimizer == "sgd"


def test_whole_float_is_accepted_for_counts():
    assert TrainConfig.from_dict({"epochs": 5.0}).epochs == 5


@pytest.mark.parametrize("key,value,words", [
    ("learning_rate", -1, "training.learning_rate must be a positive number"),
    ("learning_rate", "fast", "training.learning_rate must be a positive number"),
    ("epochs", 0, "training.epochs must be a whole number of at least 1"),
    ("epochs", 2.5, "training.epochs must be a whole number"),
    ("batch_size", True, "training.batch_size must be a whole number"),
    ("optimizer", "rmsprop", "training.optimizer must be one of adam, adamw, sgd"),
    ("scheduler", "linear", "training.scheduler must be one of none, step, cosine, plateau"),
    ("validation_split", 1.0, "training.validation_split must be a number from 0 to 0.9"),
    ("momentum", 1.5, "training.momentum must be a number from 0"),
    ("grad_clip", 0, "training.grad_clip must be a positive number"),
    ("early_stopping_patience", 0, "training.early_stopping_patience must be a whole number"),
    ("device", "tpu", "training.device must be one of auto, cpu, cuda, mps"),
    ("mixed_precision", "yes", "training.mixed_precision must be true or false"),
    ("weight_decay", -0.1, "training.weight_decay must be a number of 0 or more"),
    ("seed", -1, "training.seed must be a whole number of 0 or more"),
])
def test_bad_values_name_the_setting(key, value, words):
    with pytest.raises(ConfigError) as ei:
        TrainConfig.from_dict({key: value})
    assert words in str(ei.value)
    assert ei.value.key == key
    assert isinstance(ei.value, StudioError)


def test_unknown_key_is_named_with_a_suggestion():
    with pytest.raises(ConfigError) as ei:
        TrainConfig.from_dict({"learnig_rate": 0.1})
    msg = str(ei.value)
    assert "training.learnig_rate is not a training setting" in msg
    assert "Did you mean learning_rate?" in msg


def test_unknown_override_is_refused():
    with pytest.raises(ConfigError, match="colour is not a training setting"):
        TrainConfig.from_dict({}, colour="red")


def test_section_must_be_an_object():
    with pytest.raises(ConfigError, match="'training' section must be an object"):
        TrainConfig.from_dict([1, 2])


def test_round_trip_and_step_size():
    c = TrainConfig.from_dict({"epochs": 10, "grad_clip": 1})
    assert TrainConfig.from_dict(c.to_dict()) == c
    assert c.step_size == 3
    assert TrainConfig.from_dict({"epochs": 2}).step_size == 1
    assert c.with_overrides(seed=4).seed == 4 and c.seed == 0
