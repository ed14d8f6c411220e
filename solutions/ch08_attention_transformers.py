"""Reference answers for chapter 08 · Attention and Transformers.

The course's own functions are the reference answers: read them in mio_utils/attention.py. Attention is
taught in section 1 (and proved equal to keras.layers.MultiHeadAttention in section 2), the masks in
section 2, the sinusoidal positional encoding in section 3.
"""
from mio_utils.attention import (  # noqa: F401 - re-exported as the answers to exercises 8.1-8.4
    causal_mask,  # np.tril of ones: query i may attend to keys j <= i
    padding_mask,  # (batch, length, length): every query may attend to the keys that are not padding
    positional_encoding,  # PE[p, 2i] = sin(p / 10000^(2i/depth)), PE[p, 2i+1] = cos(same angle)
    scaled_dot_product_attention,  # softmax(Q K^T / sqrt(d_k)) V, the softmax over the keys
)
