import pytest

from cnnrnn_studio.data import load_dataset

GOOD_HEAD = "@problemName T\n@dimensions 2\n@equalLength true\n@seriesLength 3\n@classLabel true a b\n@data\n"


def _load(path, **options):
    return load_dataset({"kind": "file", "format": "ts", "train": str(path), **options})


def test_wrong_number_of_dimensions_names_the_line(write, refuses):
    path = write("bad.ts", GOOD_HEAD + "1,2,3:4,5,6:a\n1,2,3:b\n")
    with refuses(r"bad\.ts line 8", r"1 dimension", r"header says 2"):
        _load(path)


@pytest.mark.parametrize(
    "header, pattern",
    [
        ("@dimensions two", r"line 1: @dimensions must be followed by a whole number"),
        ("@equalLength maybe", r"line 1: @equalLength must be followed by true or false"),
        ("@colour blue", r"line 1: unknown header '@colour'"),
        ("@classLabel true", r"line 1: @classLabel true must be followed by the class names"),
        ("@timeStamps true", r"line 1: time stamps"),
    ],
)
def test_bad_header_names_the_line(write, refuses, header, pattern):
    path = write("h.ts", header + "\n@classLabel true a b\n@data\n1,2:a\n2,1:b\n")
    with refuses(r"h\.ts " + pattern):
        _load(path)


def test_data_before_the_data_line(write, refuses):
    path = write("nodata.ts", "@classLabel true a b\n1,2,3:a\n")
    with refuses(r"nodata\.ts line 2", "@data"):
        _load(path)


def test_missing_labels_header(write, refuses):
    path = write("nolabel.ts", "@univariate true\n@data\n1,2:a\n")
    with refuses(r"nolabel\.ts line 2", "@classLabel"):
        _load(path)


def test_missing_value_without_missing_header(write, refuses):
    path = write("q.ts", "@univariate true\n@classLabel true a b\n@data\n1,2,3:a\n1,?,3:b\n")
    with refuses(r"q\.ts line 5", "missing value", "@missing true"):
        _load(path)


def test_label_not_in_header_list(write, refuses):
    path = write("lab.ts", "@univariate true\n@classLabel true a b\n@data\n1,2,3:a\n1,2,3:c\n")
    with refuses(r"lab\.ts line 5", "'c' is not in the @classLabel list"):
        _load(path)


def test_non_number_value(write, refuses):
    path = write("nn.ts", "@univariate true\n@classLabel true a b\n@data\n1,2,3:a\n1,x2,3:b\n")
    with refuses(r"nn\.ts line 5", r"'x2' is not a number"):
        _load(path)


def test_infinite_value(write, refuses):
    path = write("inf.ts", "@univariate true\n@classLabel true a b\n@data\n1,2,3:a\n1,inf,3:b\n")
    with refuses(r"inf\.ts line 5", "not a finite number"):
        _load(path)


def test_series_length_mismatch(write, refuses):
    path = write("len.ts", GOOD_HEAD + "1,2,3:4,5,6:a\n1,2:4,5:b\n")
    with refuses(r"len\.ts line 8", "@seriesLength says 3"):
        _load(path)


def test_only_one_class(write, refuses):
    path = write("one.ts", "@univariate true\n@classLabel true a b\n@data\n1,2,3:a\n3,2,1:a\n")
    with refuses(r"one\.ts", "only one class", "'a'"):
        _load(path)


def test_test_file_with_unseen_labels_lists_them(write, refuses):
    head = "@univariate true\n@classLabel true a b c d\n@data\n"
    write("tr.ts", head + "1,2:a\n2,1:b\n1,3:a\n3,1:b\n")
    test = write("te.ts", head + "1,2:a\n2,2:c\n2,3:d\n")
    with refuses(r"te\.ts", "labels not seen in training: 'c', 'd'"):
        load_dataset({"kind": "file", "format": "ts", "train": "tr.ts", "test": "te.ts"}, base_dir=test.parent)


def test_missing_file_is_named(tmp_path, refuses):
    with refuses("not found", r"absent\.ts"):
        _load(tmp_path / "absent.ts")


def test_unknown_option(write, refuses):
    path = write("ok.ts", "@univariate true\n@classLabel true a b\n@data\n1,2:a\n2,1:b\n")
    with refuses("'resample'", "resample_to"):
        _load(path, resample=5)


def test_a_control_character_in_a_label_names_the_line(write, refuses):
    path = write("nul.ts", "@univariate true\n@classLabel true a b\n@data\n1,2,3:a\n1,2,3:a\x07\n")
    with refuses(r"nul\.ts line 5", "control character"):
        _load(path)
