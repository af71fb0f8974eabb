"""Submodule names are worked out without torch, and agree with torch."""

import subprocess
import sys

from torch import nn

from cnnrnn_studio.compile.names import MODULE_DICT_ATTRS, module_name


def test_the_kept_list_is_torch_s_own():
    assert MODULE_DICT_ATTRS == frozenset(dir(nn.ModuleDict))


def test_a_block_id_never_shadows_a_module_dict_attribute():
    for block_id in ("conv1", "eval", "keys", "items", "__init__", "my-block.2", "train"):
        name = module_name(block_id)
        assert not hasattr(nn.ModuleDict, name), block_id
        assert name.rstrip("_") == block_id.replace("-", "_").replace(".", "_").rstrip("_")
    assert module_name("conv1") == "conv1"


def test_generating_python_code_loads_no_torch():
    code = ("import sys\nfrom cnnrnn_studio import load_template\n"
            "from cnnrnn_studio.compile.codegen import python_source\n"
            "assert 'class' in python_source(load_template('crnn'))\nprint('torch' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "False"
