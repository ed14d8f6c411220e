"""Sequence models: the MNIST-1D benchmark, intent classification and a character-level language model.

Taught in chapter 07; chapter 08 reuses the benchmark recipe, the text helpers and the sampler to compare
Transformers with recurrent networks.

Three groups of helpers:

- **MNIST-1D benchmark**: :func:`build_mnist1d_model` builds the five models of the published table
  (logistic regression, MLP, CNN, GRU, LSTM), :func:`shuffle_positions` applies one fixed permutation
  of the 40 positions, :func:`fit_and_measure` trains any classifier with one shared recipe and returns
  accuracy, parameter count and seconds per epoch.
- **Intents**: :func:`make_text_vectorizer`, :func:`build_intent_model` (embedding + bidirectional LSTM),
  :func:`balanced_class_weights`.
- **Character language model**: :class:`CharVocabulary`, :func:`char_windows`, :func:`build_char_lm`,
  :func:`temperature_softmax`, :func:`sample_text`, :func:`perplexity`, :func:`unigram_perplexity`.
"""
from __future__ import annotations

import time
import weakref
from collections import Counter
from dataclasses import dataclass

import numpy as np

MNIST1D_MODELS = ("logistic", "mlp", "cnn", "gru", "lstm")
# greydanus/mnist1d README and arXiv 2011.14439 (test accuracy; the paper has no LSTM and its human
# baseline was measured by the authors on a small sample).
MNIST1D_PUBLISHED = {"logistic": 0.32, "mlp": 0.68, "cnn": 0.94, "gru": 0.91, "human": 0.96}
MNIST1D_PUBLISHED_SHUFFLED = {"logistic": 0.32, "mlp": 0.68, "cnn": 0.56, "gru": 0.57, "human": 0.30}


# ---------------------------------------------------------------------------------------- MNIST-1D
def build_mnist1d_model(kind: str, length: int = 40, num_classes: int = 10, seed: int | None = None):
    """One of the benchmark's models, taking signals shaped ``(n, length)`` and returning logits.

    - ``logistic``: one Dense layer (a linear classifier).
    - ``mlp``: two hidden layers of 100 ReLU units, like the published MLP.
    - ``cnn``: four Conv1D layers (64 channels, batch norm, max pooling), global average pooling.
      Stronger than the published three-layer CNN, so that it beats the human baseline.
    - ``gru`` / ``lstm``: a bidirectional recurrent layer with 16 units per direction whose whole
      output sequence is flattened into the classifier, like the published GRU (6 units per direction).

    ``seed`` (optional) seeds the weight initialisation. Taught in chapter 07.
    """
    import keras
    from keras import layers

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


class _EpochTimer:
    """Wall-clock seconds of each epoch (a Keras callback, built lazily so that importing is cheap)."""

    def __new__(cls):
        import keras

        class EpochTimer(keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                self.seconds = []

            def on_epoch_begin(self, epoch, logs=None):
                self._started = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                self.seconds.append(time.perf_counter() - self._started)

        return EpochTimer()


def fit_and_measure(model, x_train, y_train, x_test, y_test, *, epochs: int, batch_size: int = 100,
                    learning_rate: float = 1e-2, class_weight=None, verbose: int = 0) -> dict:
    """Train a logits classifier with the course's shared recipe and measure it.

    Recipe: Adam, a cosine-decaying learning rate from ``learning_rate`` to 0 over the run, sparse
    categorical cross-entropy from logits, ``batch_size`` 100 (as in the published MNIST-1D runs).
    Every model in a comparison gets the same recipe, so differences come from the architecture.
    Returns ``accuracy`` (on the test set), ``predictions`` (test class indices), ``params``,
    ``seconds_per_epoch`` (the median epoch, robust to a busy machine), ``train_accuracy`` and the Keras
    ``history`` dict. Taught in chapter 07.
    """
    import keras

    if epochs < 1:
        raise ValueError(f"epochs must be at least 1; got {epochs}.")
    steps = epochs * int(np.ceil(len(x_train) / batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=steps)
    model.compile(optimizer=keras.optimizers.Adam(schedule),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    timer = _EpochTimer()
    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, class_weight=class_weight,
                        callbacks=[timer], verbose=verbose)
    predictions = np.argmax(model.predict(x_test, batch_size=512, verbose=0), axis=-1)
    return {
        "accuracy": float(np.mean(predictions == np.asarray(y_test))),
        "predictions": predictions,
        "train_accuracy": float(history.history["accuracy"][-1]),
        "params": int(model.count_params()),
        "seconds_per_epoch": float(np.median(timer.seconds)),
        "history": history.history,
    }


def input_sensitivity(layer, length: int, features: int = 8, seed: int = 0) -> np.ndarray:
    """How much the LAST output of a recurrent ``layer`` depends on each input step:
    ``|| d sum(h_T) / d x_t ||`` for t = 1..length, from one gradient over a random sequence.

    Read it right to left: the last step always matters; in a plain RNN the influence of earlier
    steps shrinks geometrically with the distance (vanishing gradients), so it cannot learn what
    depends on them. Returns an array shaped ``(length,)``. Taught in chapter 07.
    """
    import tensorflow as tf

    if length < 1 or features < 1:
        raise ValueError(f"length and features must be positive; got {length} and {features}.")
    x = tf.constant(np.random.default_rng(seed).normal(size=(1, length, features)).astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = tf.reduce_sum(layer(x))
    gradient = tape.gradient(total, x)[0].numpy()
    return np.linalg.norm(gradient, axis=-1)


def set_memory_gate_bias(layer, bias: float, features: int = 8):
    """Push a gate towards "keep the old state": the forget gate of a ``keras.layers.LSTM`` (bias block
    2 of [input, forget, candidate, output]) or the update gate of a ``keras.layers.GRU`` (block 1 of
    [update, reset, candidate]). A large ``bias`` makes the gate about 1, so the state is carried over
    almost unchanged, which is what training learns to do where the task needs long memory.
    Builds the layer for inputs with ``features`` channels if needed; returns the layer. Taught in chapter 07.
    """
    import keras

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


# ------------------------------------------------------------------------------------------ intents
def make_text_vectorizer(texts, max_tokens: int = 2000, sequence_length: int = 16):
    """A ``keras.layers.TextVectorization`` adapted to ``texts``: lower-case, strip punctuation, split on
    spaces, map each word to an integer (0 = padding, 1 = unknown), pad or cut to ``sequence_length``.

    It replaces the legacy ``keras.preprocessing.text.Tokenizer``. Adapt on the TRAINING texts only,
    so test words the model never saw become "unknown", as they would in production.
    Taught in chapter 07.
    """
    import keras

    texts = np.asarray(texts)
    if texts.ndim != 1 or not len(texts) or texts.dtype.kind not in "US":
        raise ValueError(f"make_text_vectorizer expects a 1-D array of strings; got {texts.dtype}{texts.shape}.")
    vectorizer = keras.layers.TextVectorization(max_tokens=max_tokens, output_sequence_length=sequence_length)
    vectorizer.adapt(texts)
    return vectorizer


def build_intent_model(vocab_size: int, num_classes: int, embed_dim: int = 64, units: int = 32,
                       dropout: float = 0.3):
    """Token ids ``(n, length)`` → class logits: Embedding (padding masked) → bidirectional LSTM → Dense.

    ``mask_zero=True`` tells the LSTM to skip the padding, so a short sentence is not read as a
    sentence followed by a row of zeros. Taught in chapter 07.
    """
    import keras
    from keras import layers

    if vocab_size < 2 or num_classes < 2:
        raise ValueError(f"Need vocab_size >= 2 and num_classes >= 2; got {vocab_size} and {num_classes}.")
    return keras.Sequential([
        keras.Input((None,), dtype="int32"),
        layers.Embedding(vocab_size, embed_dim, mask_zero=True),
        layers.Bidirectional(layers.LSTM(units)),
        layers.Dropout(dropout),
        layers.Dense(num_classes),
    ], name="intent_bilstm")


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


# --------------------------------------------------------------------------- character language model
@dataclass(frozen=True)
class CharVocabulary:
    """Characters ↔ integer ids. Id 0 stands for any character not in the vocabulary.

    Build it with :func:`char_vocabulary` on the training text. Taught in chapter 07.
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


def build_char_lm(vocab_size: int, embed_dim: int = 32, units: int = 256, cell: str = "gru"):
    """Characters ``(n, length)`` → next-character logits ``(n, length, vocab_size)`` at every position.

    A recurrent layer with ``return_sequences=True`` reads left to right, so the prediction at step t
    only sees characters up to t: a causal model by construction. Taught in chapter 07.
    """
    import keras
    from keras import layers

    cells = {"gru": layers.GRU, "lstm": layers.LSTM}
    if cell not in cells:
        raise ValueError(f"Unknown cell {cell!r}; choose one of {', '.join(cells)}.")
    return keras.Sequential([
        keras.Input((None,), dtype="int32"),
        layers.Embedding(vocab_size, embed_dim),
        cells[cell](units, return_sequences=True),
        layers.Dense(vocab_size),
    ], name=f"char_lm_{cell}")


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
    import tensorflow as tf

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
    import keras

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
