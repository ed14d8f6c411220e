"""Attention by hand and small Transformers: masks, positional encodings, an encoder block, a causal LM.

Taught in chapter 08. The hand-written attention is proved equal to ``keras.layers.MultiHeadAttention``
(given the same weights) in the chapter and in ``tests/test_attention.py``; the layers then use the
Keras layer, as real code should. The causal mask, the embeddings, the Transformer block and the two model
builders are written out in chapter 08 and generated at the end of this file (``tools/export.py``).

Mask convention (the Keras one): a boolean mask is **True where attention is allowed**, shaped so that it
broadcasts to ``(..., queries, keys)``.
"""
from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops

NEG_INF = -1e9  # added to masked scores; finite, so a fully masked row gives uniform weights, not NaN


# ------------------------------------------------------------------------------------ attention by hand
def scaled_dot_product_attention(query, key, value, mask=None):
    """``softmax(Q K^T / sqrt(d_k)) V`` with the softmax over the KEYS (the last axis of the scores).

    ``query`` ``(..., n_q, d_k)``, ``key`` ``(..., n_k, d_k)``, ``value`` ``(..., n_k, d_v)``; ``mask``
    (optional, boolean, True = may attend) broadcasts to ``(..., n_q, n_k)``. Masked scores get a large
    negative number before the softmax, so their weight is 0. Returns ``(output, weights)``: each row of
    ``weights`` sums to 1 and says how much each key contributes to that query's output.
    Taught in chapter 08 (exercise 8.1 asks the learner to write it); used by :func:`multi_head_attention_by_hand`.
    """
    query, key, value = (ops.convert_to_tensor(t, dtype="float32") for t in (query, key, value))
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise ValueError(
            f"Expected query (..., n_q, d_k), key (..., n_k, d_k), value (..., n_k, d_v); got "
            f"{tuple(query.shape)}, {tuple(key.shape)}, {tuple(value.shape)}."
        )
    d_k = query.shape[-1]
    scores = ops.matmul(query, ops.swapaxes(key, -1, -2)) / np.sqrt(d_k).astype("float32")
    if mask is not None:
        scores = ops.where(ops.cast(mask, "bool"), scores, NEG_INF)
    weights = ops.softmax(scores, axis=-1)
    return ops.matmul(weights, value), weights


def padding_mask(token_ids, pad_id: int = 0) -> np.ndarray:
    """Boolean ``(batch, length, length)`` attention mask: every query may attend to every key that is not
    padding. (Rows of padding *queries* stay allowed: their outputs are ignored later anyway.)

    Taught in chapter 08.
    """
    ids = np.asarray(token_ids)
    if ids.ndim != 2:
        raise ValueError(f"padding_mask expects token ids shaped (batch, length); got {ids.shape}.")
    keys = ids != pad_id
    return np.broadcast_to(keys[:, None, :], (ids.shape[0], ids.shape[1], ids.shape[1])).copy()


# ------------------------------------------------------------------------------- positional encodings
def positional_encoding(length: int, depth: int) -> np.ndarray:
    """The sinusoidal encoding of Vaswani et al. (2017), shaped ``(length, depth)``, float32:
    ``PE[p, 2i] = sin(p / 10000^(2i/depth))`` and ``PE[p, 2i+1] = cos(p / 10000^(2i/depth))``.

    Each pair of columns is a clock of a different period (2π up to 10000·2π), so every position gets a
    distinct code and a fixed offset is a rotation, easy for attention to pick up. Taught in chapter 08.
    """
    if length < 1 or depth < 2 or depth % 2:
        raise ValueError(f"Need length >= 1 and an even depth >= 2; got length={length}, depth={depth}.")
    positions = np.arange(length)[:, None]
    frequencies = 1.0 / 10000 ** (np.arange(0, depth, 2) / depth)
    angles = positions * frequencies[None, :]
    encoding = np.empty((length, depth))
    encoding[:, 0::2], encoding[:, 1::2] = np.sin(angles), np.cos(angles)
    return encoding.astype(np.float32)


# ------------------------------------------------------------------------------------- attention maps
def attention_maps(model, inputs) -> list:
    """The attention weights of every :class:`TransformerBlock` in ``model`` for ``inputs``, as NumPy arrays
    shaped ``(batch, heads, t, t)``: walks the model layer by layer and asks each block for its weights.
    Taught in chapter 08.
    """
    x, mask, maps = ops.convert_to_tensor(inputs), None, []
    for layer in model.layers[1:]:  # layers[0] is the Input
        kind = type(layer).__name__  # by name: the chapter's own classes work as well as this module's
        if kind == "TransformerBlock":
            maps.append(ops.convert_to_numpy(layer.attention_scores(x, mask)))
            x = layer(x, mask=mask)
        elif kind == "TokenAndPositionEmbedding":
            mask = layer.compute_mask(x)
            x = layer(x)
        elif kind == "SignalAndPositionEmbedding":
            x = layer(x)
        else:
            break  # the head of the model: pooling, dense
    if not maps:
        raise ValueError("This model has no TransformerBlock layers.")
    return maps


def plot_attention(weights, query_labels=None, key_labels=None, title=None, ax=None):
    """Heat map of one attention matrix ``(queries, keys)``: row i shows where query i looks.

    Taught in chapter 08.
    """
    import matplotlib.pyplot as plt

    weights = np.asarray(weights)
    if weights.ndim != 2:
        raise ValueError(f"plot_attention takes one (queries, keys) matrix; got shape {weights.shape}.")
    if ax is None:
        _, ax = plt.subplots(figsize=(0.3 * weights.shape[1] + 2, 0.3 * weights.shape[0] + 1.5))
    ax.imshow(weights, cmap="viridis", vmin=0)
    if key_labels is not None:
        ax.set_xticks(range(len(key_labels)), key_labels, rotation=90, fontsize=7)
    if query_labels is not None:
        ax.set_yticks(range(len(query_labels)), query_labels, fontsize=7)
    ax.set(xlabel="key (attended to)", ylabel="query")
    if title:
        ax.set_title(title, fontsize=9)
    return ax.figure


# ---- @save from chapters/08_attention_transformers.ipynb: generated, edit the chapter and run `make export` ----
def multi_head_attention_by_hand(layer, query, value, key=None, attention_mask=None):
    """Recompute ``keras.layers.MultiHeadAttention`` with :func:`scaled_dot_product_attention` and the layer's
    weights.

    Each head h projects ``Q_h = query W^Q_h + b``, ``K_h``, ``V_h`` (kernels shaped ``(d_model, heads,
    key_dim)``), attends, and the output projection (kernel ``(heads, value_dim, d_model)``) sums the heads
    back to ``d_model``. ``attention_mask`` is boolean ``(batch, n_q, n_k)``. Returns ``(output, weights)``
    with weights shaped ``(batch, heads, n_q, n_k)``, like ``layer(..., return_attention_scores=True)``.
    Taught in chapter 08.
    """
    key = value if key is None else key
    if not layer.built:
        raise ValueError("Call the MultiHeadAttention layer once before copying its weights.")

    def project(dense, x):  # (batch, n, d_model) x (d_model, heads, dim) -> (batch, heads, n, dim)
        projected = ops.einsum("bnd,dhk->bhnk", ops.convert_to_tensor(x, dtype="float32"), dense.kernel)
        return projected + ops.expand_dims(ops.expand_dims(dense.bias, 0), 2)

    q, k, v = project(layer.query_dense, query), project(layer.key_dense, key), project(layer.value_dense, value)
    mask = None if attention_mask is None else ops.expand_dims(ops.cast(attention_mask, "bool"), 1)  # heads axis
    heads, weights = scaled_dot_product_attention(q, k, v, mask)
    output = ops.einsum("bhnv,hvd->bnd", heads, layer.output_dense.kernel) + layer.output_dense.bias
    return output, weights


def causal_mask(length):
    """Boolean ``(length, length)``: query i may attend to keys 0..i (itself and the past), never the future.

    Taught in chapter 08.
    """
    if length < 1:
        raise ValueError(f"length must be at least 1; got {length}.")
    return np.tril(np.ones((length, length), dtype=bool))


@keras.saving.register_keras_serializable(package="mio")
class TokenAndPositionEmbedding(layers.Layer):
    """Token ids ``(batch, t)`` → ``embedding * sqrt(d_model) + sinusoidal position``; id 0 is padding and
    produces a mask (True = real token) for the layers after it. Taught in chapter 08.
    """

    def __init__(self, vocab_size, d_model, max_length, mask_zero=True, **kwargs):
        super().__init__(**kwargs)
        self.vocab_size, self.d_model, self.max_length, self.mask_zero = vocab_size, d_model, max_length, mask_zero
        self.embedding = layers.Embedding(vocab_size, d_model)
        self.positions = positional_encoding(max_length, d_model)  # (max_length, d_model), fixed

    def build(self, input_shape):
        self.embedding.build(input_shape)

    def call(self, ids):
        length = ops.shape(ids)[1]
        x = self.embedding(ids) * ops.sqrt(ops.cast(self.d_model, "float32"))
        return x + ops.convert_to_tensor(self.positions)[None, :length]

    def compute_mask(self, ids, mask=None):
        return ops.not_equal(ids, 0) if self.mask_zero else None

    def get_config(self):
        return {**super().get_config(), "vocab_size": self.vocab_size, "d_model": self.d_model,
                "max_length": self.max_length, "mask_zero": self.mask_zero}


@keras.saving.register_keras_serializable(package="mio")
class SignalAndPositionEmbedding(layers.Layer):
    """A signal ``(batch, t)`` → a ``d_model`` vector per position (a small Conv1D sees each value with its
    neighbours) plus the sinusoidal position. Taught in chapter 08.
    """

    def __init__(self, d_model, max_length, kernel_size=5, **kwargs):
        super().__init__(**kwargs)
        self.d_model, self.max_length, self.kernel_size = d_model, max_length, kernel_size
        self.stem = layers.Conv1D(d_model, kernel_size, padding="same")
        self.positions = positional_encoding(max_length, d_model)

    def build(self, input_shape):
        self.stem.build((*input_shape, 1))

    def call(self, signal):
        length = ops.shape(signal)[1]
        return self.stem(ops.expand_dims(signal, -1)) + ops.convert_to_tensor(self.positions)[None, :length]

    def get_config(self):
        return {**super().get_config(), "d_model": self.d_model, "max_length": self.max_length,
                "kernel_size": self.kernel_size}


@keras.saving.register_keras_serializable(package="mio")
class TransformerBlock(layers.Layer):
    """One pre-norm Transformer block: ``x + MHA(LN(x))`` then ``x + FFN(LN(x))``, the FFN with GELU.

    ``causal=True`` makes it a decoder block (each position sees only the past). A padding mask coming
    from the embedding (Keras's ``mask``) hides padded keys. Taught in chapter 08.
    """

    def __init__(self, d_model, num_heads, ff_dim, dropout=0.1, causal=False, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.d_model, self.num_heads, self.ff_dim = d_model, num_heads, ff_dim
        self.dropout, self.causal = dropout, causal
        self.norm1 = layers.LayerNormalization(epsilon=1e-5)
        self.attention = layers.MultiHeadAttention(num_heads, d_model // num_heads, dropout=dropout)
        self.norm2 = layers.LayerNormalization(epsilon=1e-5)
        self.ff1 = layers.Dense(ff_dim, activation="gelu")
        self.ff2 = layers.Dense(d_model)
        self.drop = layers.Dropout(dropout)

    def build(self, input_shape):
        self.norm1.build(input_shape)
        self.attention.build(input_shape, input_shape)
        self.norm2.build(input_shape)
        self.ff1.build(input_shape)
        self.ff2.build((*input_shape[:-1], self.ff_dim))

    def _attend(self, x, mask, training, return_scores):
        # mask: (batch, t), True = real token -> (batch, 1, t): every query may see the real keys
        attention_mask = None if mask is None else ops.expand_dims(ops.cast(mask, "bool"), 1)
        normed = self.norm1(x)
        return self.attention(normed, normed, attention_mask=attention_mask, use_causal_mask=self.causal,
                              training=training, return_attention_scores=return_scores)

    def call(self, x, mask=None, training=None):
        x = x + self.drop(self._attend(x, mask, training, False), training=training)
        return x + self.drop(self.ff2(self.ff1(self.norm2(x))), training=training)

    def attention_scores(self, x, mask=None):
        """The attention weights ``(batch, heads, t, t)`` this block computes for input ``x``."""
        return self._attend(x, mask, False, True)[1]

    def compute_mask(self, x, mask=None):
        return mask

    def get_config(self):
        return {**super().get_config(), "d_model": self.d_model, "num_heads": self.num_heads,
                "ff_dim": self.ff_dim, "dropout": self.dropout, "causal": self.causal}


def build_transformer_classifier(num_classes, max_length, *, vocab_size=None, d_model=64, num_heads=4, ff_dim=128,
                                 num_blocks=2, dropout=0.1):
    """A Transformer encoder classifier: embedding + positions → ``num_blocks`` blocks → masked mean → logits.

    With ``vocab_size`` the input is token ids ``(batch, t)`` (0 = padding, masked); without, it is a real
    signal ``(batch, max_length)`` such as MNIST-1D. Taught in chapter 08.
    """
    if num_classes < 2 or d_model % num_heads:
        raise ValueError(f"Need num_classes >= 2 and d_model divisible by num_heads; got {num_classes}, "
                         f"{d_model}, {num_heads}.")
    if vocab_size is None:
        inputs = keras.Input((max_length,), name="signal")
        x = SignalAndPositionEmbedding(d_model, max_length)(inputs)
    else:
        inputs = keras.Input((None,), dtype="int32", name="token_ids")
        x = TokenAndPositionEmbedding(vocab_size, d_model, max_length)(inputs)
    for _ in range(num_blocks):
        x = TransformerBlock(d_model, num_heads, ff_dim, dropout)(x)
    x = layers.LayerNormalization(epsilon=1e-5)(x)
    x = layers.GlobalAveragePooling1D()(x)  # averages real positions only: it reads the padding mask
    outputs = layers.Dense(num_classes)(layers.Dropout(dropout)(x))
    return keras.Model(inputs, outputs, name="transformer_classifier")


def build_causal_lm(vocab_size, max_length, *, d_model=128, num_heads=4, ff_dim=256, num_blocks=2, dropout=0.1,
                    causal=True):
    """A small decoder-only language model: ids ``(batch, t)`` → next-token logits ``(batch, t, vocab)``.

    Every block is causal, so the logits at position t depend on tokens 0..t only (the chapter checks it).
    ``causal=False`` exists only to show what goes wrong without the mask: the model reads the answer.
    No padding mask: id 0 is an ordinary token here (the rare-character id of a ``CharVocabulary``).
    Taught in chapter 08.
    """
    if d_model % num_heads:
        raise ValueError(f"d_model ({d_model}) must be divisible by num_heads ({num_heads}).")
    inputs = keras.Input((None,), dtype="int32", name="token_ids")
    x = TokenAndPositionEmbedding(vocab_size, d_model, max_length, mask_zero=False)(inputs)
    for _ in range(num_blocks):
        x = TransformerBlock(d_model, num_heads, ff_dim, dropout, causal=causal)(x)
    x = layers.LayerNormalization(epsilon=1e-5)(x)
    return keras.Model(inputs, layers.Dense(vocab_size)(x), name="causal_lm" if causal else "leaky_lm")
# ---- end @save from chapters/08_attention_transformers.ipynb ----
