"""mio_utils.sequences: benchmark models, shuffling, recurrent internals, intent helpers."""
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


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_input_sensitivity_and_an_open_memory_gate(seed):
    keras.utils.set_random_seed(seed)
    plain = sequences.input_sensitivity(keras.layers.LSTM(8), length=30)
    opened = sequences.input_sensitivity(sequences.set_memory_gate_bias(keras.layers.LSTM(8), 6.0), length=30)
    assert plain.shape == (30,)
    assert opened[0] > 100 * plain[0], "an open forget gate carries the first input to the end"


def test_memory_gate_bias_is_set_on_the_right_gate():
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
