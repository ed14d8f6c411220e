"""mio_utils.language_model: vocabulary, windows, temperature, the character LM, perplexity, sampling."""
import keras
import numpy as np
import pytest

from mio_utils import language_model


def test_char_vocabulary_round_trip_and_unknowns():
    vocab = language_model.char_vocabulary("aaabbc", min_count=2)
    assert vocab.chars == ("a", "b") and vocab.size == 3
    ids = vocab.encode("abcz")
    np.testing.assert_array_equal(ids, [1, 2, 0, 0])
    assert vocab.decode(ids) == "ab" + vocab.UNKNOWN * 2
    with pytest.raises(ValueError, match="min_count"):
        language_model.char_vocabulary("abc", min_count=5)


def test_char_windows_shift_targets_by_one():
    x, y = language_model.char_windows(np.arange(10), length=4)
    np.testing.assert_array_equal(x, [[0, 1, 2, 3], [4, 5, 6, 7]])
    np.testing.assert_array_equal(y, [[1, 2, 3, 4], [5, 6, 7, 8]])
    x, _ = language_model.char_windows(np.arange(10), length=4, stride=2)
    assert len(x) == 3
    with pytest.raises(ValueError, match="length \\+ 1"):
        language_model.char_windows(np.arange(4), length=4)


def test_temperature_softmax():
    logits = np.array([2.0, 1.0, 0.0])
    np.testing.assert_allclose(language_model.temperature_softmax(logits, 1.0),
                               keras.ops.convert_to_numpy(keras.ops.softmax(logits)), atol=1e-7)
    cold, hot = language_model.temperature_softmax(logits, 0.1), language_model.temperature_softmax(logits, 10.0)
    assert cold[0] > 0.99 and hot.max() - hot.min() < 0.1
    assert np.all(np.isfinite(language_model.temperature_softmax(np.array([1000.0, 0.0]), 1e-3)))
    with pytest.raises(ValueError, match="temperature"):
        language_model.temperature_softmax(logits, 0.0)


def test_char_lm_perplexity_sampling_and_baselines():
    keras.utils.set_random_seed(0)
    vocab = language_model.char_vocabulary("abcabc", min_count=1)
    model = language_model.build_char_lm(vocab.size, embed_dim=4, units=8)
    x, y = language_model.char_windows(vocab.encode("abcabcabcabc"), length=5)
    assert keras.ops.convert_to_numpy(model(x)).shape == (2, 5, vocab.size)
    # an untrained model is close to the uniform guess
    assert abs(language_model.perplexity(model, x, y) - vocab.size) < 0.5
    text = language_model.sample_text(model, vocab, "ab", n_chars=7, temperature=1.0, seed=1)
    assert len(text) == 7 and text == language_model.sample_text(model, vocab, "ab", 7, 1.0, seed=1)
    assert language_model.unigram_perplexity([1, 1, 2], [1], vocab_size=3) == pytest.approx(2.0)  # (2+1) / (3+3)
    with pytest.raises(ValueError, match="vocab_size"):
        language_model.unigram_perplexity([1, 5], [1], vocab_size=3)
    with pytest.raises(ValueError, match="prompt"):
        language_model.sample_text(model, vocab, "", 3)


def test_char_lm_is_causal_for_both_cells():
    """Changing a later character never changes an earlier position's logits (chapter 08 uses cell="lstm")."""
    for cell in ("gru", "lstm"):
        keras.utils.set_random_seed(0)
        model = language_model.build_char_lm(6, embed_dim=4, units=5, cell=cell)
        a, b = np.array([[1, 2, 3, 4]]), np.array([[1, 2, 5, 5]])
        logits_a, logits_b = (keras.ops.convert_to_numpy(model(ids)) for ids in (a, b))
        assert logits_a.shape == (1, 4, 6) and model.name == f"char_lm_{cell}"
        np.testing.assert_allclose(logits_a[:, :2], logits_b[:, :2], atol=1e-6)
        assert not np.allclose(logits_a[:, 2:], logits_b[:, 2:])
    with pytest.raises(ValueError, match="choose one of gru, lstm"):
        language_model.build_char_lm(6, cell="transformer")
