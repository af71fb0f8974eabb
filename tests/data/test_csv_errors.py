import re

import pytest

from cnnrnn_studio.data import load_dataset


def _spec(path, **options):
    return {"kind": "file", "format": "csv", "train": str(path), **options}


GOOD = "".join(f"{i},{i * 2},{'a' if i % 2 else 'b'}\n" for i in range(1, 13))


def test_non_number_cell_names_file_line_and_column(write, refuses):
    rows = GOOD.splitlines()
    rows.insert(12, "13,abc,b")  # line 13 of the file
    path = write("digits.csv", "\n".join(rows) + "\n")
    with refuses(r"digits\.csv line 13, column 2: 'abc' is not a number"):
        load_dataset(_spec(path))


def test_non_number_cell_with_header_names_the_column(write, refuses):
    path = write("h.csv", "x,y,label\n1,2,a\n3,oops,b\n5,6,a\n7,8,b\n")
    with refuses(r"h\.csv line 3, column 2", "'oops' is not a number", "'y'"):
        load_dataset(_spec(path))


def test_ragged_row(write, refuses):
    path = write("ragged.csv", "1,2,a\n3,4,b\n5,6,7,a\n7,8,b\n")
    with refuses(r"ragged\.csv line 3", "4 values", "3 columns"):
        load_dataset(_spec(path))


def test_empty_cell(write, refuses):
    path = write("gap.csv", "x,y,label\n1,2,a\n3,,b\n5,6,a\n7,8,b\n")
    with refuses(r"gap\.csv line 3, column 2", "empty"):
        load_dataset(_spec(path))


@pytest.mark.parametrize("bad", ["nan", "inf", "-inf", "NaN"])
def test_nan_and_infinity_are_refused(write, refuses, bad):
    path = write("nan.csv", f"x,y,label\n1,2,a\n3,4,b\n5,{bad},a\n7,8,b\n")
    with refuses(r"nan\.csv line 4, column 2", "not a finite number"):
        load_dataset(_spec(path))


def test_missing_file(tmp_path, refuses):
    with refuses("training file was not found", r"nowhere\.csv"):
        load_dataset({"kind": "file", "format": "csv", "train": "nowhere.csv"}, base_dir=tmp_path)


def test_missing_test_file(write, refuses):
    path = write("ok.csv", GOOD)
    with refuses("test file was not found", r"gone\.csv"):
        load_dataset({"kind": "file", "format": "csv", "train": "ok.csv", "test": "gone.csv"}, base_dir=path.parent)


def test_folder_instead_of_file(tmp_path, refuses):
    (tmp_path / "folder.csv").mkdir()
    with refuses("is a folder", r"folder\.csv"):
        load_dataset(_spec(tmp_path / "folder.csv"))


def test_empty_file(write, refuses):
    path = write("empty.csv", "\n\n")
    with refuses(r"empty\.csv", "empty"):
        load_dataset(_spec(path))


def test_not_utf8(tmp_path, refuses):
    path = tmp_path / "latin.csv"
    path.write_bytes("x,y,label\n1,2,caf\xe9\n".encode("latin-1"))
    with refuses(r"latin\.csv line 2", "UTF-8"):
        load_dataset(_spec(path))


def test_unknown_option_is_named(write, refuses):
    path = write("ok.csv", GOOD)
    with refuses("'lable_column'", "label_column"):
        load_dataset(_spec(path, lable_column=2))


def test_option_of_another_mode_is_refused(write, refuses):
    path = write("ok.csv", GOOD)
    with refuses("'window'", "mode 'table'"):
        load_dataset(_spec(path, window=5))


def test_unknown_mode(write, refuses):
    path = write("ok.csv", GOOD)
    with refuses("'mode'", "'tabel'"):
        load_dataset(_spec(path, mode="tabel"))


def test_label_column_name_not_found_lists_columns(write, refuses):
    path = write("h.csv", "x,y,label\n1,2,a\n3,4,b\n5,6,a\n")
    with refuses("no column 'target'", "'x', 'y', 'label'"):
        load_dataset(_spec(path, label_column="target"))


def test_label_column_number_out_of_range(write, refuses):
    path = write("ok.csv", GOOD)
    with refuses("'label_column' is column 7", "3 columns"):
        load_dataset(_spec(path, label_column=7))


def test_only_one_class(write, refuses):
    path = write("one.csv", "".join(f"{i},{i},same\n" for i in range(10)))
    with refuses(r"one\.csv", "only one class", "'same'"):
        load_dataset(_spec(path))


def test_test_labels_not_seen_in_training_are_listed(write, refuses):
    write("tr.csv", GOOD)
    test = write("te.csv", "1,2,a\n3,4,zebra\n5,6,yak\n")
    with refuses(r"te\.csv", "labels not seen in training: 'yak', 'zebra'"):
        load_dataset({"kind": "file", "format": "csv", "train": "tr.csv", "test": "te.csv"}, base_dir=test.parent)


def test_test_file_with_other_columns(write, refuses):
    write("tr.csv", GOOD)
    test = write("te.csv", "1,2,3,a\n3,4,5,b\n")
    with refuses(r"te\.csv has 4 columns", r"tr\.csv has 3"):
        load_dataset({"kind": "file", "format": "csv", "train": "tr.csv", "test": "te.csv"}, base_dir=test.parent)


def test_text_feature_column_hints_at_feature_columns(write, refuses):
    path = write("mixed.csv", "name,age,label\nann,30,a\nbob,40,b\ncid,50,a\ndan,60,b\neve,70,a\nfay,80,b\n")
    with refuses(r"mixed\.csv line 2, column 1: 'ann' is not a number"):
        load_dataset(_spec(path))
    ds = load_dataset(_spec(path, feature_columns=["age"]))
    assert ds.sample_shape == (1,)


def test_unreadable_file_is_named(write, refuses, monkeypatch):
    import os

    path = write("locked.csv", GOOD)
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if str(p).endswith("locked.csv") else real_access(p, mode))
    with refuses("cannot be read", r"locked\.csv"):
        load_dataset(_spec(path))


def test_relative_base_dir_gives_a_full_path_in_the_message(tmp_path, refuses, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with refuses(re.escape(str(tmp_path / "sub" / "missing.csv"))):
        load_dataset({"kind": "file", "format": "csv", "train": "missing.csv"}, base_dir="sub")
