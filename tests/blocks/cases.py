"""Example uses of every block: (type, params, input specs). Shared by the block tests."""

from cnnrnn_studio.blocks import TensorSpec as S

IMG = S("image", (3, 12, 10))
SEQ = S("sequence", (20, 5))
VSEQ = S("sequence", (None, 5))
VEC = S("vector", (7,))
CLIP = S("image_sequence", (4, 2, 9, 9))
TOK = S("tokens", (11,))

CASES = [
    ("Conv1d", {"out_channels": 8, "kernel_size": 3}, [SEQ]),
    ("Conv1d", {"out_channels": 8, "kernel_size": 4, "padding": "same"}, [SEQ]),
    ("Conv1d", {"out_channels": 6, "kernel_size": 3, "stride": 2, "dilation": 2, "padding": 1}, [VSEQ]),
    ("Conv1d", {"out_channels": 10, "kernel_size": 3, "groups": 5, "bias": False}, [SEQ]),
    ("Conv2d", {"out_channels": 4, "kernel_size": 3}, [IMG]),
    ("Conv2d", {"out_channels": 4, "kernel_size": [3, 5], "stride": [2, 1], "padding": [1, 2]}, [IMG]),
    ("Conv2d", {"out_channels": 4, "kernel_size": 3, "padding": "same"}, [CLIP]),
    ("Conv2d", {"out_channels": 6, "kernel_size": 1, "groups": 3}, [IMG]),
    ("MaxPool1d", {"kernel_size": 2}, [SEQ]),
    ("AvgPool1d", {"kernel_size": 3, "stride": 1, "padding": 1}, [VSEQ]),
    ("MinPool1d", {"kernel_size": 2}, [SEQ]),
    ("MaxPool2d", {"kernel_size": 2}, [IMG]),
    ("AvgPool2d", {"kernel_size": [2, 3], "stride": [1, 2]}, [IMG]),
    ("MinPool2d", {"kernel_size": 3, "stride": 2, "padding": 1}, [CLIP]),
    ("GlobalAvgPool", {}, [IMG]),
    ("GlobalAvgPool", {}, [VSEQ]),
    ("GlobalMaxPool", {}, [CLIP]),
    ("GlobalMaxPool", {}, [SEQ]),
    ("Dense", {"out_features": 3}, [VEC]),
    ("Dense", {"out_features": 4, "bias": False}, [VSEQ]),
    ("Flatten", {}, [IMG]),
    ("Flatten", {}, [CLIP]),
    ("Flatten", {}, [SEQ]),
    ("Flatten", {}, [VEC]),
    ("ToSequence", {}, [IMG]),
    ("Dropout", {"p": 0.3}, [IMG]),
    ("BatchNorm", {}, [VEC]),
    ("BatchNorm", {"eps": 1e-3, "momentum": 0.01}, [SEQ]),
    ("BatchNorm", {}, [IMG]),
    ("BatchNorm", {}, [CLIP]),
    ("LayerNorm", {}, [VSEQ]),
    ("LayerNorm", {}, [IMG]),
    ("LayerNorm", {}, [VEC]),
    ("LayerNorm", {}, [CLIP]),
    ("ReLU", {}, [IMG]),
    ("LeakyReLU", {"negative_slope": 0.2}, [SEQ]),
    ("Tanh", {}, [VEC]),
    ("Sigmoid", {}, [CLIP]),
    ("GELU", {}, [SEQ]),
    ("ReLU6", {}, [IMG]),
    ("HardSwish", {}, [CLIP]),
    ("HardSigmoid", {}, [SEQ]),
    ("Softmax", {}, [VEC]),
    ("Softmax", {}, [IMG]),
    ("RNN", {"hidden_size": 6}, [SEQ]),
    ("RNN", {"hidden_size": 6, "return_sequences": True, "num_layers": 2}, [VSEQ]),
    ("LSTM", {"hidden_size": 5, "bidirectional": True}, [SEQ]),
    ("LSTM", {"hidden_size": 5, "num_layers": 2, "dropout": 0.1, "return_sequences": True, "bidirectional": True}, [VSEQ]),
    ("GRU", {"hidden_size": 4, "num_layers": 3}, [SEQ]),
    ("GRU", {"hidden_size": 4, "bidirectional": True, "return_sequences": True}, [SEQ]),
    ("Embedding", {"num_embeddings": 30, "embedding_dim": 8}, [TOK]),
    ("Embedding", {"num_embeddings": 30, "embedding_dim": 8}, [S("tokens", (None,))]),
    ("Add", {}, [IMG, IMG]),
    ("Add", {}, [VSEQ, VSEQ, VSEQ]),
    ("Concat", {}, [IMG, S("image", (5, 12, 10))]),
    ("Concat", {}, [SEQ, S("sequence", (20, 2))]),
    ("Concat", {}, [VEC, S("vector", (2,)), S("vector", (1,))]),
    ("Concat", {}, [CLIP, S("image_sequence", (4, 1, 9, 9))]),
    ("RepeatVector", {"steps": 4}, [VEC]),
    ("RepeatVector", {"steps": 1}, [S("vector", (3,))]),
]

# Inputs a block refuses: (type, params, input specs, words its message must contain, e.g. the fix).
REFUSED = [
    ("Dense", {}, [IMG], ("Flatten",)),
    ("Conv1d", {}, [TOK], ("Embedding",)),
    ("Flatten", {}, [VSEQ], ("GlobalAvgPool",)),
    ("Output", {"task": "classification"}, [IMG], ("Flatten",)),
    ("Output", {"task": "classification"}, [S("sequence", (20, 1))], ("at every step",)),
    ("RepeatVector", {}, [IMG], ("Flatten or GlobalAvgPool first",)),
    ("RepeatVector", {}, [SEQ], ("GlobalAvgPool first",)),
    ("RepeatVector", {}, [CLIP], ("GlobalAvgPool",)),
    ("RepeatVector", {}, [TOK], ("Embedding",)),
]
