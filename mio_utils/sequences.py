"""Sequence models: the MNIST-1D benchmark, intent classification and recurrent-network internals.

Taught in chapter 07; chapter 08 reuses the benchmark models and the intent helpers to compare
Transformers with recurrent networks. The shared training recipe is :func:`mio_utils.training.fit_and_measure`;
the character language model lives in :mod:`mio_utils.language_model`.

The models and measurements the chapter teaches are written out in chapter 07 (``# @save`` cells) and copied
into the generated block at the end of this file by ``make export``; edit them in the chapter.

- **MNIST-1D benchmark**: :func:`build_mnist1d_model` builds the five models of the published table
  (logistic regression, MLP, CNN, GRU, LSTM), :func:`shuffle_positions` applies one fixed permutation
  of the 40 positions.
- **Recurrent internals**: :func:`input_sensitivity`, :func:`set_memory_gate_bias`.
- **Intents**: :func:`make_text_vectorizer`, :func:`build_intent_model` (embedding + bidirectional LSTM),
  :func:`balanced_class_weights`.
"""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import layers

# greydanus/mnist1d README and arXiv 2011.14439 (test accuracy; the paper has no LSTM and its human
# baseline was measured by the authors on a small sample).
MNIST1D_PUBLISHED = {"logistic": 0.32, "mlp": 0.68, "cnn": 0.94, "gru": 0.91, "human": 0.96}
MNIST1D_PUBLISHED_SHUFFLED = {"logistic": 0.32, "mlp": 0.68, "cnn": 0.56, "gru": 0.57, "human": 0.30}


# ------------------------------------------------------------------------------------------ intents
def balanced_class_weights(y, num_classes: int) -> dict:
    """Class weights ``n / (num_classes * count_c)``: each class then carries the same total weight in the
    loss, so a rare intent is not drowned out by a frequent one (same as scikit-learn's "balanced").

    Returns ``{class_index: weight}`` for ``model.fit(class_weight=...)``. Taught in chapter 07.
    """
    y = np.asarray(y).astype(np.int64).ravel()
    counts = np.bincount(y, minlength=num_classes)
    if len(counts) != num_classes or np.any(counts == 0):
        raise ValueError(f"Every class 0..{num_classes - 1} needs at least one example; counts are {counts.tolist()}.")
    return {c: float(len(y) / (num_classes * counts[c])) for c in range(num_classes)}


# ---- @save from chapters/07_rnn_sequences.ipynb: generated, edit the chapter and run `make export` ----
def input_sensitivity(layer, length: int, features: int = 8, seed: int = 0) -> np.ndarray:
    """How much the LAST output of a recurrent ``layer`` depends on each input step:
    ``|| d sum(h_T) / d x_t ||`` for t = 1..length, from one gradient over a random sequence.

    Entry t - 1 belongs to step t, so the array ends with the last step. The last step always matters; in a
    plain RNN the influence of earlier steps shrinks geometrically with the distance (vanishing gradients),
    so it cannot learn what depends on them. Returns an array shaped ``(length,)``. Taught in chapter 07.
    """
    if length < 1 or features < 1:
        raise ValueError(f"length and features must be positive; got {length} and {features}.")
    x = tf.constant(np.random.default_rng(seed).normal(size=(1, length, features)).astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)  # x is a constant, not a weight: ask the tape to follow it
        total = tf.reduce_sum(layer(x))
    gradient = tape.gradient(total, x)[0].numpy()  # (length, features)
    return np.linalg.norm(gradient, axis=-1)


def set_memory_gate_bias(layer, bias: float, features: int = 8):
    """Push a gate towards "keep the old state": the forget gate of a ``keras.layers.LSTM`` (bias block
    2 of [input, forget, candidate, output]) or the update gate of a ``keras.layers.GRU`` (block 1 of
    [update, reset, candidate]). A large ``bias`` makes the gate about 1, so the state is carried over
    almost unchanged, which is what training learns to do where the task needs long memory.
    Builds the layer for inputs with ``features`` channels if needed; returns the layer. Taught in chapter 07.
    """
    if not isinstance(layer, (keras.layers.LSTM, keras.layers.GRU)):
        raise ValueError(f"set_memory_gate_bias takes a keras.layers.LSTM or GRU; got {type(layer).__name__}.")
    if not layer.built:
        layer.build((None, None, features))
    units, values = layer.cell.units, layer.cell.bias.numpy()
    if isinstance(layer, keras.layers.LSTM):
        values[units:2 * units] = bias
    else:
        # reset_after=True (the default) keeps an input bias row and a recurrent bias row; both add into z
        rows = values if values.ndim == 2 else values[None]
        rows[:, :units] = 0.0
        rows[0, :units] = bias
    layer.cell.bias.assign(values)
    return layer


MNIST1D_MODELS = ("logistic", "mlp", "cnn", "gru", "lstm")


def build_mnist1d_model(kind: str, length: int = 40, num_classes: int = 10, seed: int | None = None):
    """One of the benchmark's models, taking signals shaped ``(n, length)`` and returning logits.

    - ``logistic``: one Dense layer (a linear classifier).
    - ``mlp``: two hidden layers of 100 ReLU units, like the published MLP.
    - ``cnn``: four Conv1D layers (64 channels, batch norm, max pooling), global average pooling.
      Stronger than the published three-layer CNN, so that it beats the human baseline.
    - ``gru`` / ``lstm``: a bidirectional recurrent layer with 16 units per direction whose whole
      output sequence is flattened into the classifier, like the published GRU (6 units per direction).

    ``seed`` (optional) seeds the weight initialisation. Taught in chapter 07; reused in chapter 08.
    """
    if kind not in MNIST1D_MODELS:
        raise ValueError(f"Unknown MNIST-1D model {kind!r}; choose one of {', '.join(MNIST1D_MODELS)}.")
    if seed is not None:
        keras.utils.set_random_seed(seed)
    stack = [keras.Input((length,))]
    if kind == "logistic":
        stack += [layers.Dense(num_classes)]
    elif kind == "mlp":
        stack += [layers.Dense(100, activation="relu"), layers.Dense(100, activation="relu"),
                  layers.Dense(num_classes)]
    elif kind == "cnn":
        stack.append(layers.Reshape((length, 1)))  # (time, channels): one channel per position
        for i, kernel in enumerate((5, 3, 3, 3)):
            stack += [layers.Conv1D(64, kernel, padding="same", use_bias=False),
                      layers.BatchNormalization(), layers.ReLU()]
            if i < 3:
                stack.append(layers.MaxPooling1D(2))
        stack += [layers.GlobalAveragePooling1D(), layers.Dense(num_classes)]
    else:
        cell = layers.GRU if kind == "gru" else layers.LSTM
        stack += [layers.Reshape((length, 1)), layers.Bidirectional(cell(16, return_sequences=True)),
                  layers.Flatten(), layers.Dense(num_classes)]
    return keras.Sequential(stack, name=f"mnist1d_{kind}")


def shuffle_positions(*arrays, seed: int = 0):
    """Apply ONE fixed random permutation of the positions (last axis) to every array.

    The same permutation goes to train and test, so the task stays learnable for a model that ignores
    order (an MLP) and loses the neighbourhood structure a CNN or RNN relies on. Returns the permuted
    arrays followed by the permutation. Taught in chapter 07.
    """
    if not arrays:
        raise ValueError("shuffle_positions needs at least one array shaped (n, length).")
    length = np.shape(arrays[0])[-1]
    if any(np.ndim(a) < 2 or np.shape(a)[-1] != length for a in arrays):
        raise ValueError(f"Every array must be shaped (n, {length}); got {[np.shape(a) for a in arrays]}.")
    permutation = np.random.default_rng(seed).permutation(length)
    return (*(np.asarray(a)[..., permutation] for a in arrays), permutation)


def make_text_vectorizer(texts, max_tokens: int = 2000, sequence_length: int = 16):
    """A ``keras.layers.TextVectorization`` adapted to ``texts``: lower-case, strip punctuation, split on
    spaces, map each word to an integer (0 = padding, 1 = unknown), pad or cut to ``sequence_length``.

    It replaces the legacy ``keras.preprocessing.text.Tokenizer``. Adapt on the TRAINING texts only,
    so test words the model never saw become "unknown", as they would in production.
    Taught in chapter 07; reused in chapter 08.
    """
    texts = np.asarray(texts)
    if texts.ndim != 1 or not len(texts) or texts.dtype.kind not in "US":
        raise ValueError(f"make_text_vectorizer expects a 1-D array of strings; got {texts.dtype}{texts.shape}.")
    vectorizer = keras.layers.TextVectorization(max_tokens=max_tokens, output_sequence_length=sequence_length)
    vectorizer.adapt(texts)  # builds the vocabulary: the max_tokens - 2 most frequent words
    return vectorizer


def build_intent_model(vocab_size: int, num_classes: int, embed_dim: int = 64, units: int = 32,
                       dropout: float = 0.3):
    """Token ids ``(n, length)`` → class logits: Embedding (padding masked) → bidirectional LSTM → Dense.

    ``mask_zero=True`` tells the LSTM to skip the padding, so a short sentence is not read as a
    sentence followed by a row of zeros. Taught in chapter 07; reused in chapter 08.
    """
    if vocab_size < 2 or num_classes < 2:
        raise ValueError(f"Need vocab_size >= 2 and num_classes >= 2; got {vocab_size} and {num_classes}.")
    return keras.Sequential([
        keras.Input((None,), dtype="int32"),
        layers.Embedding(vocab_size, embed_dim, mask_zero=True),  # id -> learned vector; id 0 = padding
        layers.Bidirectional(layers.LSTM(units)),  # final states of both directions, concatenated
        layers.Dropout(dropout),
        layers.Dense(num_classes),  # logits: the loss applies the softmax (from_logits=True)
    ], name="intent_bilstm")
# ---- end @save from chapters/07_rnn_sequences.ipynb ----
