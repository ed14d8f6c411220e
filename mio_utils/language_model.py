"""A character-level language model: vocabulary, training windows, a recurrent model, sampling and perplexity.

Taught in chapter 07; chapter 08 reuses the text helpers, the sampler and perplexity to compare a causal
Transformer with recurrent networks. :func:`sample_text` and :func:`perplexity` work for any causal model
that maps ids ``(n, t)`` to next-character logits ``(n, t, vocab)``. The model itself, :func:`build_char_lm`, is
written out in chapter 07 (a ``# @save`` cell) and copied into the generated block at the end of this file.
"""
from __future__ import annotations

import weakref
from collections import Counter
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf
from keras import layers


@dataclass(frozen=True)
class CharVocabulary:
    """Characters ↔ integer ids. Id 0 stands for any character not in the vocabulary.

    Build it with :func:`char_vocabulary` on the training text. Used in chapters 07 and 08 through
    :func:`char_vocabulary`.
    """

    chars: tuple[str, ...]

    UNKNOWN = "\ufffd"

    @property
    def size(self) -> int:
        return len(self.chars) + 1

    def encode(self, text: str) -> np.ndarray:
        index = {c: i + 1 for i, c in enumerate(self.chars)}
        return np.array([index.get(c, 0) for c in text], dtype=np.int32)

    def decode(self, ids) -> str:
        return "".join(self.chars[i - 1] if i > 0 else self.UNKNOWN for i in np.asarray(ids).ravel())


def char_vocabulary(texts, min_count: int = 5) -> CharVocabulary:
    """The characters seen at least ``min_count`` times in ``texts``, most frequent first.

    Rare characters map to the shared "unknown" id 0, which keeps the output layer small without
    losing the held-out text's rare symbols from the perplexity. Taught in chapter 07.
    """
    if isinstance(texts, str):
        texts = [texts]
    counts = Counter()
    for text in texts:
        counts.update(text)
    chars = tuple(sorted((c for c, n in counts.items() if n >= min_count), key=lambda c: (-counts[c], c)))
    if not chars:
        raise ValueError(f"No character occurs {min_count} times; pass more text or a lower min_count.")
    return CharVocabulary(chars)


def char_windows(ids, length: int, stride: int | None = None):
    """Cut a long id sequence into windows: inputs ``ids[s : s+length]``, targets shifted by one.

    At every position the target is the next character, so one window gives ``length`` training
    examples. ``stride`` defaults to ``length`` (windows do not overlap). Returns ``(x, y)`` shaped
    ``(n_windows, length)``. Taught in chapter 07.
    """
    ids = np.asarray(ids)
    stride = length if stride is None else stride
    if ids.ndim != 1 or length < 1 or stride < 1:
        raise ValueError(f"char_windows needs a 1-D id array and positive length/stride; got {ids.shape}, "
                         f"length={length}, stride={stride}.")
    if len(ids) < length + 1:
        raise ValueError(f"The text has {len(ids)} characters; a window needs length + 1 = {length + 1}.")
    starts = np.arange(0, len(ids) - length, stride)
    x = np.stack([ids[s:s + length] for s in starts])
    y = np.stack([ids[s + 1:s + length + 1] for s in starts])
    return x, y


def temperature_softmax(logits, temperature: float = 1.0) -> np.ndarray:
    """``softmax(logits / temperature)`` over the last axis, computed stably.

    Temperature below 1 sharpens the distribution (towards the most likely character), above 1
    flattens it (towards uniform). Taught in chapter 07.
    """
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0; got {temperature}.")
    z = np.asarray(logits, dtype=np.float64) / temperature
    z = np.exp(z - z.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


_LAST_LOGITS = weakref.WeakKeyDictionary()


def _last_logits_fn(model):
    """A compiled ``ids (1, t) -> logits of the last position``, traced once per model and reused."""
    if model not in _LAST_LOGITS:
        @tf.function(input_signature=[tf.TensorSpec([1, None], tf.int32)])
        def last_logits(ids):
            return model(ids, training=False)[0, -1]

        _LAST_LOGITS[model] = last_logits
    return _LAST_LOGITS[model]


def sample_text(model, vocab: CharVocabulary, prompt: str, n_chars: int = 200, temperature: float = 1.0,
                seed: int = 0, context: int = 128) -> str:
    """Generate ``n_chars`` characters after ``prompt``, one at a time, sampling each from
    ``temperature_softmax(logits, temperature)``.

    The model sees at most the last ``context`` characters (what it was trained on). Works for any
    causal model mapping ids ``(1, t)`` to logits ``(1, t, vocab)``, recurrent or Transformer.
    Taught in chapter 07; reused in chapter 08.
    """
    if not prompt:
        raise ValueError("sample_text needs a non-empty prompt to start from.")
    rng = np.random.default_rng(seed)
    last_logits = _last_logits_fn(model)
    ids = list(vocab.encode(prompt))
    for _ in range(n_chars):
        window = np.array([ids[-context:]], dtype=np.int32)
        probabilities = temperature_softmax(last_logits(window).numpy(), temperature)
        ids.append(int(rng.choice(vocab.size, p=probabilities)))
    return vocab.decode(ids[len(prompt):])


def perplexity(model, x, y, batch_size: int = 64) -> float:
    """Perplexity on held-out windows: ``exp(mean cross-entropy in nats)`` over every predicted character.

    A perplexity of k means the model is, on average, as unsure as a fair choice among k characters:
    the uniform guess scores the vocabulary size. Taught in chapter 07; reused in chapter 08.
    """
    logits = model.predict(x, batch_size=batch_size, verbose=0)
    losses = keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True)
    return float(np.exp(np.mean(keras.ops.convert_to_numpy(losses))))


def unigram_perplexity(train_ids, test_ids, vocab_size: int) -> float:
    """The perplexity of a model that ignores context and predicts each character's training frequency
    (add-one smoothed, so an unseen character does not give infinity). Taught in chapter 07.
    """
    train_ids, test_ids = np.asarray(train_ids).ravel(), np.asarray(test_ids).ravel()
    if max(train_ids.max(), test_ids.max()) >= vocab_size:
        raise ValueError(f"Ids must be below vocab_size={vocab_size}; found {max(train_ids.max(), test_ids.max())}.")
    counts = np.bincount(train_ids, minlength=vocab_size) + 1.0
    probabilities = counts / counts.sum()
    return float(np.exp(-np.mean(np.log(probabilities[test_ids]))))


# ---- @save from chapters/07_rnn_sequences.ipynb: generated, edit the chapter and run `make export` ----
def build_char_lm(vocab_size: int, embed_dim: int = 32, units: int = 256, cell: str = "gru"):
    """Characters ``(n, length)`` → next-character logits ``(n, length, vocab_size)`` at every position.

    A recurrent layer with ``return_sequences=True`` reads left to right, so the prediction at step t
    only sees characters up to t: a causal model by construction. ``cell="lstm"`` swaps the GRU for an
    LSTM (chapter 08 compares that one). Taught in chapter 07; reused in chapter 08.
    """
    cells = {"gru": layers.GRU, "lstm": layers.LSTM}
    if cell not in cells:
        raise ValueError(f"Unknown cell {cell!r}; choose one of {', '.join(cells)}.")
    return keras.Sequential([
        keras.Input((None,), dtype="int32"),
        layers.Embedding(vocab_size, embed_dim),
        cells[cell](units, return_sequences=True),  # one state per position, not only the last
        layers.Dense(vocab_size),  # logits for the next character, at every position
    ], name=f"char_lm_{cell}")
# ---- end @save from chapters/07_rnn_sequences.ipynb ----
