"""mio_utils.attention: attention by hand equals Keras; masks; positional encodings; the Transformer builders."""
import keras
import matplotlib.pyplot as plt
import numpy as np
import pytest

from mio_utils import attention


def _np(t):
    return keras.ops.convert_to_numpy(t)


def test_scaled_dot_product_attention_matches_keras_ops():
    rng = np.random.default_rng(0)
    q, k, v = (rng.normal(size=s).astype(np.float32) for s in ((2, 3, 8), (2, 5, 8), (2, 5, 4)))
    output, weights = attention.scaled_dot_product_attention(q, k, v)
    np.testing.assert_allclose(_np(weights).sum(-1), 1.0, atol=1e-6)  # over the keys
    expected = keras.ops.dot_product_attention(q[:, :, None], k[:, :, None], v[:, :, None])[:, :, 0]
    np.testing.assert_allclose(_np(output), _np(expected), atol=1e-5)
    with pytest.raises(ValueError, match="Expected query"):
        attention.scaled_dot_product_attention(q, k[..., :4], v)


def test_masked_keys_get_zero_weight_and_full_mask_is_finite():
    rng = np.random.default_rng(1)
    q, k, v = rng.normal(size=(1, 2, 4)), rng.normal(size=(1, 3, 4)), rng.normal(size=(1, 3, 2))
    mask = np.array([[[True, False, True], [False, False, False]]])
    _, weights = attention.scaled_dot_product_attention(q, k, v, mask)
    weights = _np(weights)
    assert weights[0, 0, 1] == 0 and np.isclose(weights[0, 0].sum(), 1)
    np.testing.assert_allclose(weights[0, 1], 1 / 3)  # nothing allowed: uniform, not NaN


@pytest.mark.parametrize("with_mask", [False, True])
def test_multi_head_attention_by_hand_equals_keras(with_mask):
    rng = np.random.default_rng(2)
    query = rng.normal(size=(2, 5, 12)).astype(np.float32)
    value = rng.normal(size=(2, 7, 10)).astype(np.float32)
    layer = keras.layers.MultiHeadAttention(num_heads=3, key_dim=4, value_dim=6)
    mask = rng.random((2, 5, 7)) > 0.4 if with_mask else None
    expected, expected_weights = layer(query, value, attention_mask=mask, return_attention_scores=True)
    output, weights = attention.multi_head_attention_by_hand(layer, query, value, attention_mask=mask)
    np.testing.assert_allclose(_np(output), _np(expected), atol=1e-5)
    np.testing.assert_allclose(_np(weights), _np(expected_weights), atol=1e-5)


def test_causal_mask_by_hand_equals_use_causal_mask():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(1, 6, 8)).astype(np.float32)
    layer = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4)
    expected = layer(x, x, use_causal_mask=True)
    output, _ = attention.multi_head_attention_by_hand(layer, x, x, attention_mask=attention.causal_mask(6)[None])
    np.testing.assert_allclose(_np(output), _np(expected), atol=1e-5)
    np.testing.assert_array_equal(attention.causal_mask(3), [[1, 0, 0], [1, 1, 0], [1, 1, 1]])
    with pytest.raises(ValueError):
        attention.causal_mask(0)


def test_padding_mask_hides_padded_keys():
    mask = attention.padding_mask(np.array([[3, 4, 0]]))
    assert mask.shape == (1, 3, 3)
    np.testing.assert_array_equal(mask[0], [[1, 1, 0]] * 3)
    with pytest.raises(ValueError, match="batch, length"):
        attention.padding_mask(np.array([1, 2, 0]))


def test_positional_encoding_formula():
    pe = attention.positional_encoding(50, 16)
    assert pe.shape == (50, 16) and pe.dtype == np.float32
    np.testing.assert_allclose(pe[0, 0::2], 0)  # sin(0)
    np.testing.assert_allclose(pe[0, 1::2], 1)  # cos(0)
    np.testing.assert_allclose(pe[7, 4], np.sin(7 / 10000 ** (4 / 16)), rtol=1e-6)
    np.testing.assert_allclose(pe[7, 5], np.cos(7 / 10000 ** (4 / 16)), rtol=1e-6)
    assert len({tuple(row) for row in np.round(pe, 5)}) == 50  # every position gets its own code
    with pytest.raises(ValueError, match="even depth"):
        attention.positional_encoding(5, 7)


def test_token_classifier_ignores_padding_and_gives_attention_maps():
    keras.utils.set_random_seed(0)
    model = attention.build_transformer_classifier(3, 10, vocab_size=20, d_model=16, num_heads=2, ff_dim=32)
    short, padded = np.array([[5, 3, 2, 0]]), np.array([[5, 3, 2, 0, 0, 0, 0]])
    np.testing.assert_allclose(_np(model(short)), _np(model(padded)), atol=1e-5)
    maps = attention.attention_maps(model, short)
    assert len(maps) == 2 and maps[0].shape == (1, 2, 4, 4)
    np.testing.assert_allclose(maps[0][0, :, :3, 3], 0, atol=1e-6)  # nobody attends to the padding
    fig = attention.plot_attention(maps[0][0, 0], list("abcd"), list("xyzw"), title="t")
    (ax,) = fig.axes
    np.testing.assert_array_equal(ax.images[0].get_array(), maps[0][0, 0])  # the heat map shows the matrix
    assert [t.get_text() for t in ax.get_xticklabels()] == list("xyzw")  # keys along x
    plt.close(fig)
    with pytest.raises(ValueError, match="one \\(queries, keys\\) matrix"):
        attention.plot_attention(maps[0])


def test_signal_classifier_shapes():
    model = attention.build_transformer_classifier(10, 40, d_model=16, num_heads=2, ff_dim=32, num_blocks=1)
    assert model(np.zeros((2, 40), np.float32)).shape == (2, 10)
    with pytest.raises(ValueError, match="divisible"):
        attention.build_transformer_classifier(10, 40, d_model=10, num_heads=4)


def test_causal_lm_never_looks_ahead():
    keras.utils.set_random_seed(0)
    model = attention.build_causal_lm(12, 8, d_model=16, num_heads=2, ff_dim=32)
    ids = np.array([[1, 2, 3, 4, 5, 6, 7, 8]]) % 12
    changed = ids.copy()
    changed[0, 5] = 0
    before, after = _np(model(ids)), _np(model(changed))
    assert before.shape == (1, 8, 12)
    np.testing.assert_allclose(before[0, :5], after[0, :5], atol=1e-6)  # positions before the change
    assert np.abs(before[0, 5:] - after[0, 5:]).max() > 1e-4


def test_layers_round_trip_through_keras_saving(tmp_path):
    model = attention.build_causal_lm(12, 8, d_model=16, num_heads=2, ff_dim=32, num_blocks=1)
    ids = np.array([[1, 2, 3]])
    path = tmp_path / "lm.keras"
    model.save(path)
    restored = keras.saving.load_model(path)
    np.testing.assert_allclose(_np(restored(ids)), _np(model(ids)), atol=1e-6)
