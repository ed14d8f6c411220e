"""mio_utils.training: model builders, schedules, atomic checkpoints and restart-proof data order."""
import numpy as np
import pytest

keras = pytest.importorskip("keras")

from mio_utils import training  # noqa: E402


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (40, 8, 8, 1)).astype(np.uint8), rng.integers(0, 10, 40)


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_digits_classifier_takes_raw_pixels_and_outputs_logits(images, kind):
    x, _ = images
    model = training.build_digits_classifier(kind=kind, width=8)
    logits = keras.ops.convert_to_numpy(model(x))
    assert logits.shape == (40, 10) and logits.dtype == np.float32
    assert model.layers[-1].get_config()["activation"] == "linear"
    assert np.any(logits < 0), "softmax outputs would all be positive"


def test_augmentation_only_while_training(images):
    x, _ = images
    keras.utils.set_random_seed(0)
    model = training.build_digits_classifier(kind="mlp", width=8, augment=True)
    inference = [keras.ops.convert_to_numpy(model(x, training=False)) for _ in range(2)]
    np.testing.assert_array_equal(*inference)
    trained = keras.ops.convert_to_numpy(model(x, training=True))
    assert not np.allclose(trained, inference[0])


def test_l2_adds_a_penalty_and_bad_options_are_explained():
    assert len(training.build_digits_classifier(kind="mlp", width=4, l2=1e-3).losses) == 2
    with pytest.raises(ValueError, match="'mlp' or 'cnn'"):
        training.build_digits_classifier(kind="rnn")
    with pytest.raises(ValueError, match="dropout"):
        training.build_digits_classifier(dropout=1.5)


def test_tabular_classifier_standardises_with_training_statistics():
    rng = np.random.default_rng(0)
    x = rng.normal(100, 10, (50, 3)).astype(np.float32)
    model = training.build_tabular_classifier(x, hidden=0)
    standardized = keras.ops.convert_to_numpy(model.get_layer("standardize")(x))
    np.testing.assert_allclose(standardized.mean(axis=0), 0, atol=1e-4)
    assert model.output_shape == (None, 1)
    assert training.build_tabular_classifier(x, num_classes=3).output_shape == (None, 3)
    with pytest.raises(ValueError, match="matrix"):
        training.build_tabular_classifier(x[:, 0])


@pytest.mark.parametrize("num_classes", [2, 3])
def test_tabular_classifier_outputs_logits(num_classes):
    x = np.random.default_rng(0).normal(0, 1, (50, 3)).astype(np.float32)
    model = training.build_tabular_classifier(x, hidden=0, num_classes=num_classes)
    assert model.layers[-1].get_config()["activation"] == "linear"
    logits = keras.ops.convert_to_numpy(model(10 * x))
    assert logits.min() < 0 < logits.max(), "sigmoid or softmax outputs would lie in (0, 1)"


def test_step_decay_and_schedule_values():
    schedule = training.step_decay(0.1, factor=0.5, every=2)
    assert [schedule(e) for e in range(5)] == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025])
    cosine = keras.optimizers.schedules.CosineDecay(0.0, 10, warmup_target=1.0, warmup_steps=5)
    values = training.schedule_values(cosine, range(16))
    assert values[0] == 0 and values[5] == pytest.approx(1.0) and values[15] == pytest.approx(0.0, abs=1e-6)
    with pytest.raises(ValueError):
        training.step_decay(0.1, factor=2)


def test_learning_rate_logger_records_the_rate(images):
    x, y = images
    model = training.build_digits_classifier(kind="mlp", width=4)
    model.compile(optimizer=keras.optimizers.SGD(0.1),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(x, y, epochs=3, verbose=0, callbacks=[
        keras.callbacks.LearningRateScheduler(training.step_decay(0.1, 0.1, 1)), training.LearningRateLogger()])
    assert history.history["lr"] == pytest.approx([0.1, 0.01, 0.001])


def _compiled(width=4):
    keras.utils.set_random_seed(0)
    model = training.build_digits_classifier(kind="mlp", width=width)
    model.compile(optimizer=keras.optimizers.Adam(1e-2),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def test_checkpoint_roundtrip_restores_weights_and_optimizer(tmp_path, images):
    x, y = images
    model = _compiled()
    model.fit(x, y, epochs=2, verbose=0, callbacks=[training.AtomicCheckpoint(tmp_path, keep=2)])
    assert [e for e, _ in training.list_checkpoints(tmp_path)] == [1, 2]
    fresh = _compiled()
    assert training.restore_latest(fresh, tmp_path) == 2
    for a, b in zip(model.weights, fresh.weights):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))
    assert int(fresh.optimizer.iterations) == int(model.optimizer.iterations) > 0


def test_checkpoints_ignore_temporary_files_and_keep_the_newest(tmp_path, images):
    model = _compiled()
    model(images[0][:1])
    for epoch in range(1, 5):
        training.save_checkpoint(model, tmp_path, epoch, keep=2)
    (tmp_path / ".epoch-0005.123.tmp.weights.h5").write_bytes(b"half a file")  # what a kill leaves
    assert [e for e, _ in training.list_checkpoints(tmp_path)] == [3, 4]
    assert training.restore_latest(_compiled(), tmp_path) == 4
    assert training.restore_latest(_compiled(), tmp_path / "missing") == 0
    with pytest.raises(ValueError, match="completed epochs"):
        training.save_checkpoint(model, tmp_path, 0)


def test_restore_needs_a_compiled_model(tmp_path, images):
    model = _compiled()
    model(images[0][:1])
    training.save_checkpoint(model, tmp_path, 1)
    with pytest.raises(ValueError, match="compiled"):
        training.restore_latest(training.build_digits_classifier(kind="mlp", width=4), tmp_path)


def test_epoch_order_depends_only_on_seed_and_epoch(images):
    x, y = images
    np.testing.assert_array_equal(training.epoch_order(40, 3, 5), training.epoch_order(40, 3, 5))
    assert not np.array_equal(training.epoch_order(40, 3, 5), training.epoch_order(40, 3, 6))
    full, steps = training.epoch_batches(x, y, 16, seed=3, epochs=4)
    resumed, _ = training.epoch_batches(x, y, 16, seed=3, epochs=4, first_epoch=2)
    full_batches = [b.numpy() for b, _ in full]
    resumed_batches = [b.numpy() for b, _ in resumed]
    assert steps == 3 and len(full_batches) == 12 and [len(b) for b in full_batches[:3]] == [16, 16, 8]
    for a, b in zip(full_batches[6:], resumed_batches, strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="first_epoch"):
        training.epoch_batches(x, y, 16, seed=3, epochs=4, first_epoch=4)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fit_and_measure_learns_a_separable_problem(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(200, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    result = training.fit_and_measure(model, x, y, x, y, epochs=5, batch_size=20, learning_rate=0.1)
    assert result["accuracy"] > 0.9 and result["params"] == 10
    assert result["predictions"].shape == (200,) and result["seconds_per_epoch"] > 0
    with pytest.raises(ValueError, match="epochs"):
        training.fit_and_measure(model, x, y, x, y, epochs=0)


def _same_weights(a, b):
    return max(float(np.max(np.abs(keras.ops.convert_to_numpy(u) - keras.ops.convert_to_numpy(v))))
               for u, v in zip(a.weights, b.weights))


def _fit_on_epoch_batches(model, x, y, epochs):
    batches, steps = training.epoch_batches(x, y, 16, seed=0, epochs=epochs)
    return model.fit(batches, epochs=epochs, steps_per_epoch=steps, validation_data=(x, y), verbose=0,
                     shuffle=False)


def test_custom_fit_trains_like_fit(images):
    """Chapter 04's hand-written loop: the same batches and optimizer give the weights and losses of fit."""
    import tensorflow as tf

    x, y = images
    reference = _compiled()
    history = _fit_on_epoch_batches(reference, x, y, epochs=2)
    keras.utils.set_random_seed(0)
    model = training.build_digits_classifier(kind="mlp", width=4)
    batches, steps = training.epoch_batches(x, y, 16, seed=0, epochs=2)
    logs = training.custom_fit(model, keras.optimizers.Adam(1e-2),
                               keras.losses.SparseCategoricalCrossentropy(from_logits=True), batches, steps,
                               tf.data.Dataset.from_tensor_slices((x, y)).batch(16), epochs=2)
    assert _same_weights(model, reference) < 1e-5
    assert [log["loss"] for log in logs] == pytest.approx(history.history["loss"], abs=1e-5)
    assert [log["val_loss"] for log in logs] == pytest.approx(history.history["val_loss"], abs=1e-5)


def test_gradient_norm_model_reports_the_norm_and_trains_like_fit(images):
    x, y = images
    reference = _compiled()
    _fit_on_epoch_batches(reference, x, y, epochs=2)
    keras.utils.set_random_seed(0)
    base = training.build_digits_classifier(kind="mlp", width=4)
    model = training.GradientNormModel(base.inputs, base.outputs)
    model.compile(optimizer=keras.optimizers.Adam(1e-2),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = _fit_on_epoch_batches(model, x, y, epochs=2).history
    assert _same_weights(model, reference) < 1e-5
    assert all(norm > 0 for norm in history["gradient_norm"]) and "val_gradient_norm" not in history
