"""Reference answers for chapter 08 · Attention and Transformers.

Attention, the padding mask and the positional encoding are the course's own functions: read them in
mio_utils/attention.py. Attention is taught in section 1 (and proved equal to keras.layers.MultiHeadAttention
in section 2), the masks in section 2, the sinusoidal positional encoding in section 3.
"""
import numpy as np

from mio_utils.attention import (  # noqa: F401 - re-exported as the answers to exercises 8.1, 8.3, 8.4
    padding_mask,  # (batch, length, length): every query may attend to the keys that are not padding
    positional_encoding,  # PE[p, 2i] = sin(p / 10000^(2i/depth)), PE[p, 2i+1] = cos(same angle)
    scaled_dot_product_attention,  # softmax(Q K^T / sqrt(d_k)) V, the softmax over the keys
)


def sliding_window_mask(length, window):
    """Exercise 8.2: True where key j is not in the future of query i and fewer than ``window`` steps back."""
    queries = np.arange(length)[:, None]
    keys = np.arange(length)[None, :]
    distance = queries - keys  # how far key j lies behind query i (negative: in the future)
    return (distance >= 0) & (distance < window)


# Exercise 8.5: MultiHeadAttention(num_heads=4, key_dim=16) on d_model = 64. Query, key and value projections:
# 64·4·16 weights + 4·16 biases each; output projection: 4·16·64 weights + 64 biases.
mha_parameters = 3 * (64 * 4 * 16 + 4 * 16) + (4 * 16 * 64 + 64)  # 16,640
