"""Names of the studio model's submodules, worked out without torch.

`module_name` gives each block the submodule name under which its weights are stored
(`blocks.<name>.weight`); codegen needs the same names to map weight keys, and it must not load
torch to write code. So the attribute names that torch's nn.ModuleDict already has are kept here
as a list (tests/compile check it against torch).
"""

from __future__ import annotations

import re

#: dir(torch.nn.ModuleDict): a block id equal to one of these would shadow it.
MODULE_DICT_ATTRS = frozenset("""
T_destination __annotations__ __call__ __class__ __contains__ __delattr__ __delitem__ __dict__
__dir__ __doc__ __eq__ __format__ __ge__ __getattr__ __getattribute__ __getitem__ __getstate__
__gt__ __hash__ __init__ __init_subclass__ __iter__ __le__ __len__ __lt__ __module__ __ne__ __new__
__reduce__ __reduce_ex__ __repr__ __setattr__ __setitem__ __setstate__ __sizeof__ __str__
__subclasshook__ __weakref__ _apply _call_impl _compiled_call_impl _get_backward_hooks
_get_backward_pre_hooks _get_name _load_from_state_dict _maybe_warn_non_full_backward_hook
_named_members _register_load_state_dict_pre_hook _register_state_dict_hook
_replicate_for_data_parallel _save_to_state_dict _slow_forward _version _wrapped_call_impl
add_module apply bfloat16 buffers call_super_init children clear compile cpu cuda double
dump_patches eval extra_repr float forward get_buffer get_extra_state get_parameter get_submodule
half ipu items keys load_state_dict modules mtia named_buffers named_children named_modules
named_parameters parameters pop register_backward_hook register_buffer register_forward_hook
register_forward_pre_hook register_full_backward_hook register_full_backward_pre_hook
register_load_state_dict_post_hook register_load_state_dict_pre_hook register_module
register_parameter register_state_dict_post_hook register_state_dict_pre_hook requires_grad_
set_extra_state set_submodule share_memory state_dict to to_empty train type update values xpu
zero_grad
""".split())


def module_name(block_id: str) -> str:
    """A valid submodule name for a block id: '.' is reserved by torch, and a name such as 'eval'
    or 'keys' would clash with an attribute of nn.ModuleDict."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", block_id)
    while name in MODULE_DICT_ATTRS:
        name += "_"
    return name
