"""mio_utils.sequences: benchmark models, shuffling, text helpers, the character language model."""
import keras
import numpy as np
import pytest

from mio_utils import sequences


@pytest.mark.parametrize("kind", sequences.MNIST1D_MODELS)
def test_mnist1d_models_map_signals_to_logits(kind):
    model = sequences.build_mnist1d_model(kind, seed=0)
    logits = keras.ops.convert_to_numpy(model(np.zeros((3, 40), np.float32)))
    assert logits.shape == (3, 10)


def test_mnist1d_model_rejects_unknown_kind():
    with pytest.raises(ValueError, match="choose one of logistic"):
        sequences.build_mnist1d_model("transformer")


def test_published_figures_are_the_readme_table():
    assert sequences.MNIST1D_PUBLISHED == {"logistic": 0.32, "mlp": 0.68, "cnn": 0.94, "gru": 0.91, "human": 0.96}
    assert sequences.MNIST1D_PUBLISHED_SHUFFLED["cnn"] == 0.56
    assert sequences.MNIST1D_PUBLISHED_SHUFFLED["gru"] == 0.57


def test_shuffle_positions_applies_one_permutation_to_all_arrays():
    a = np.arange(12).reshape(2, 6)
    b = np.arange(6)[None] + 100
    a2, b2, permutation = sequences.shuffle_positions(a, b, seed=3)
    assert sorted(permutation) == list(range(6)) and list(permutation) != list(range(6))
    np.testing.assert_array_equal(a2, a[:, permutation])
    np.testing.assert_array_equal(b2, b[:, permutation])
    again = sequences.shuffle_positions(a, seed=3)
    np.testing.assert_array_equal(again[-1], permutation)  # fixed by the seed
    with pytest.raises(ValueError, match="shaped"):
        sequences.shuffle_positions(a, np.zeros((2, 5)))


def test_fit_and_measure_learns_a_separable_problem():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    result = sequences.fit_and_measure(model, x, y, x, y, epochs=5, batch_size=20, learning_rate=0.1)
    assert result["accuracy"] > 0.9 and result["params"] == 10
    assert result["predictions"].shape == (200,) and result["seconds_per_epoch"] > 0
    with pytest.raises(ValueError, match="epochs"):
        sequences.fit_and_measure(model, x, y, x, y, epochs=0)


def test_input_sensitivity_and_memory_gate():
    keras.utils.set_random_seed(0)
    plain = sequences.input_sensitivity(keras.layers.LSTM(8), length=30)
    opened = sequences.input_sensitivity(sequences.set_memory_gate_bias(keras.layers.LSTM(8), 6.0), length=30)
    assert plain.shape == (30,)
    assert opened[0] > 100 * plain[0], "an open forget gate carries the first input to the end"
    gru = sequences.set_memory_gate_bias(keras.layers.GRU(4), 5.0)
    bias = gru.cell.bias.numpy()
    assert np.all(bias[0, :4] == 5.0) and np.all(bias[1, :4] == 0.0)
    with pytest.raises(ValueError, match="LSTM or GRU"):
        sequences.set_memory_gate_bias(keras.layers.SimpleRNN(4), 5.0)


def test_text_vectorizer_pads_and_marks_unknown_words():
    vectorizer = sequences.make_text_vectorizer(np.array(["hello world", "hello there"]), sequence_length=4)
    ids = keras.ops.convert_to_numpy(vectorizer(np.array(["Hello, world!", "goodbye"])))
    assert ids.shape == (2, 4)
    assert ids[0, 0] == vectorizer.get_vocabulary().index("hello") and ids[0, 2] == 0
    assert ids[1, 0] == 1  # unknown word
    with pytest.raises(ValueError, match="1-D array of strings"):
        sequences.make_text_vectorizer(np.zeros(3))


def test_intent_model_masks_padding():
    keras.utils.set_random_seed(0)
    model = sequences.build_intent_model(vocab_size=20, num_classes=3, embed_dim=4, units=3)
    short = np.array([[5, 6, 0, 0]])
    longer = np.array([[5, 6, 0, 0, 0, 0, 0]])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(short)),
                               keras.ops.convert_to_numpy(model(longer)), atol=1e-6)


def test_balanced_class_weights_match_sklearn():
    from sklearn.utils.class_weight import compute_class_weight

    y = np.array([0, 0, 0, 0, 1, 2, 2])
    weights = sequences.balanced_class_weights(y, 3)
    np.testing.assert_allclose([weights[c] for c in range(3)],
                               compute_class_weight("balanced", classes=np.arange(3), y=y))
    with pytest.raises(ValueError, match="at least one example"):
        sequences.balanced_class_weights(y, 4)


def test_char_vocabulary_round_trip_and_unknowns():
    vocab = sequences.char_vocabulary("aaabbc", min_count=2)
    assert vocab.chars == ("a", "b") and vocab.size == 3
    ids = vocab.encode("abcz")
    np.testing.assert_array_equal(ids, [1, 2, 0, 0])
    assert vocab.decode(ids) == "ab" + vocab.UNKNOWN * 2
    with pytest.raises(ValueError, match="min_count"):
        sequences.char_vocabulary("abc", min_count=5)


def test_char_windows_shift_targets_by_one():
    x, y = sequences.char_windows(np.arange(10), length=4)
    np.testing.assert_array_equal(x, [[0, 1, 2, 3], [4, 5, 6, 7]])
    np.testing.assert_array_equal(y, [[1, 2, 3, 4], [5, 6, 7, 8]])
    x, _ = sequences.char_windows(np.arange(10), length=4, stride=2)
    assert len(x) == 3
    with pytest.raises(ValueError, match="length \\+ 1"):
        sequences.char_windows(np.arange(4), length=4)


def test_temperature_softmax():
    logits = np.array([2.0, 1.0, 0.0])
    np.testing.assert_allclose(sequences.temperature_softmax(logits, 1.0),
                               keras.ops.convert_to_numpy(keras.ops.softmax(logits)), atol=1e-7)
    cold, hot = sequences.temperature_softmax(logits, 0.1), sequences.temperature_softmax(logits, 10.0)
    assert cold[0] > 0.99 and hot.max() - hot.min() < 0.1
    assert np.all(np.isfinite(sequences.temperature_softmax(np.array([1000.0, 0.0]), 1e-3)))
    with pytest.raises(ValueError, match="temperature"):
        sequences.temperature_softmax(logits, 0.0)


def test_char_lm_perplexity_sampling_and_baselines():
    keras.utils.set_random_seed(0)
    vocab = sequences.char_vocabulary("abcabc", min_count=1)
    model = sequences.build_char_lm(vocab.size, embed_dim=4, units=8)
    x, y = sequences.char_windows(vocab.encode("abcabcabcabc"), length=5)
    assert keras.ops.convert_to_numpy(model(x)).shape == (2, 5, vocab.size)
    # an untrained model is close to the uniform guess
    assert abs(sequences.perplexity(model, x, y) - vocab.size) < 0.5
    text = sequences.sample_text(model, vocab, "ab", n_chars=7, temperature=1.0, seed=1)
    assert len(text) == 7 and text == sequences.sample_text(model, vocab, "ab", 7, 1.0, seed=1)
    assert sequences.unigram_perplexity([1, 1, 2], [1], vocab_size=3) == pytest.approx(2.0)  # (2+1) / (3+3)
    with pytest.raises(ValueError, match="vocab_size"):
        sequences.unigram_perplexity([1, 5], [1], vocab_size=3)
    with pytest.raises(ValueError, match="prompt"):
        sequences.sample_text(model, vocab, "", 3)
