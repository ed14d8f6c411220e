"""Checkers for chapter 04 · Training. Expected answers come from Keras itself where it has one."""
import numpy as np

from . import Mismatch, as_array, call, exercise, expect_close

SOLUTION = "ch04_training.py"


# ------------------------------------------------------------------------------------------ 4.1 Adam
def _keras_adam(w, grads, lr, beta1, beta2, eps):
    """Run keras.optimizers.Adam on a variable; return the weights after each gradient in ``grads``."""
    import keras

    variable = keras.Variable(np.array(w, dtype="float64"), dtype="float64")
    optimizer = keras.optimizers.Adam(learning_rate=lr, beta_1=beta1, beta_2=beta2, epsilon=eps)
    after = []
    for g in grads:
        optimizer.apply_gradients([(keras.ops.convert_to_tensor(np.array(g, "float64")), variable)])
        after.append(keras.ops.convert_to_numpy(variable).copy())
    return after


def _textbook_adam(w, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g ** 2
    m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def _unpack_triple(result, what):
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        raise Mismatch(f"{what} should return three arrays (new_w, new_m, new_v).")
    return [as_array(r, name) for r, name in zip(result, ("new_w", "new_m", "new_v"))]


@exercise("ch04.adam_step", SOLUTION,
          hint="m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g**2; divide m by (1 - b1**t) and v by (1 - b2**t); "
               "w - lr * m_hat / (sqrt(v_hat) + eps).")
def check_adam_step(adam_step):
    rng = np.random.default_rng(4)
    w0 = rng.normal(size=5)
    grads = [rng.normal(size=5) for _ in range(3)]
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-7
    keras_path = _keras_adam(w0, grads, lr, b1, b2, eps)

    w, m, v = w0.copy(), np.zeros(5), np.zeros(5)
    for t, g in enumerate(grads, start=1):
        result = call(adam_step, w.copy(), g.copy(), m.copy(), v.copy(), t, lr=lr, beta1=b1, beta2=b2, eps=eps)
        new_w, new_m, new_v = _unpack_triple(result, "adam_step")
        want_w, want_m, want_v = _textbook_adam(w, g, m, v, t, lr, b1, b2, eps)
        if new_v.shape == v.shape and np.allclose(new_v, b2 * v + (1 - b2) * g):
            raise Mismatch("v must average the *squared* gradient: v = beta2*v + (1 - beta2) * g**2.")
        raw_gradient_step = w - lr * g / (np.sqrt(want_v / (1 - b2 ** t)) + eps)
        if t > 1 and new_w.shape == w.shape and np.allclose(new_w, raw_gradient_step):  # at t=1, m_hat = g
            raise Mismatch("your step uses the raw gradient g instead of its running mean m: that is RMSProp. "
                           "Adam adds momentum: step along m_hat.")
        if new_w.shape == w.shape and np.allclose(new_w, w - lr * want_m / (np.sqrt(want_v) + eps)):
            raise Mismatch(f"at step t={t} your update skips the bias correction: divide m by (1 - beta1**t) and "
                           "v by (1 - beta2**t), or the first steps are far too small.")
        if new_w.shape == w.shape and np.allclose(new_w, 2 * w - want_w):
            raise Mismatch("your step goes *up* the gradient: subtract lr * m_hat / (sqrt(v_hat) + eps).")
        expect_close(new_m, want_m, f"new_m at step t={t}")
        expect_close(new_v, want_v, f"new_v at step t={t}")
        expect_close(new_w, keras_path[t - 1], f"new_w at step t={t} (compared with keras.optimizers.Adam)",
                     atol=1e-6, rtol=1e-5)
        w, m, v = new_w, new_m, new_v


# ------------------------------------------------------------------------------- 4.2 warm-up + cosine
def _keras_warmup_cosine(steps, peak, warmup, total, final):
    import keras

    schedule = keras.optimizers.schedules.CosineDecay(
        0.0, decay_steps=total - warmup, alpha=final / peak, warmup_target=peak, warmup_steps=warmup)
    return np.array([float(schedule(s)) for s in steps])


@exercise("ch04.warmup_cosine", SOLUTION,
          hint="if step < warmup_steps: peak * step / warmup_steps; else progress = min(step - warmup_steps, "
               "total_steps - warmup_steps) / (total_steps - warmup_steps) and "
               "final + (peak - final) * 0.5 * (1 + cos(pi * progress)).")
def check_warmup_cosine(warmup_cosine):
    peak, warmup, total, final = 0.1, 10, 50, 0.001
    steps = [0, 1, 5, 9, 10, 11, 20, 30, 45, 49, 50, 60, 200]
    expected = _keras_warmup_cosine(steps, peak, warmup, total, final)
    got = np.array([float(as_array(call(warmup_cosine, s, peak, warmup, total, final), f"the rate at step {s}"))
                    for s in steps])
    if np.isclose(got[0], peak):
        raise Mismatch("at step 0 your rate is already the peak: a warm-up starts at 0 and rises linearly.")
    for step, g in zip(steps, got):
        if step >= total and not np.isclose(g, final, atol=1e-7, rtol=1e-5):
            raise Mismatch(f"after total_steps={total} the rate must stay at final_lr={final}; at step {step} you "
                           f"return {g:.6g} (clamp the cosine's progress at 1).")
    cosine_over_total = final + (peak - final) * 0.5 * (1 + np.cos(np.pi * min(30, total) / total))
    if np.isclose(got[steps.index(30)], cosine_over_total) and not np.isclose(cosine_over_total, expected[7]):
        raise Mismatch("your cosine runs over all total_steps from step 0; it should start after the warm-up "
                       "and last total_steps - warmup_steps steps.")
    for step, g, e in zip(steps, got, expected):
        expect_close(g, e, f"the learning rate at step {step}", atol=1e-7, rtol=1e-5)
    expect_close(as_array(call(warmup_cosine, 5, 1.0, 10, 20), "the rate at step 5"), 0.5,
                 "the rate at step 5 of a 10-step warm-up to 1.0 (final_lr left at its default 0)")


# ---------------------------------------------------------------------------- 4.3 early stopping
def _keras_early_stopping(val_losses, patience):
    """Drive keras.callbacks.EarlyStopping with the given losses; return (epochs_run, best_epoch)."""
    import keras

    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    stopper = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience)
    stopper.set_model(model)
    model.stop_training = False
    stopper.on_train_begin()
    epochs_run = 0
    for epoch, loss in enumerate(val_losses):
        epochs_run = epoch + 1
        stopper.on_epoch_end(epoch, {"val_loss": float(loss)})
        if model.stop_training:
            break
    return epochs_run, stopper.best_epoch + 1


def _ties_improve(val_losses, patience):
    """The plausible slip of counting an equal loss as an improvement (<= instead of <)."""
    best, best_epoch, wait = float("inf"), 0, 0
    for epoch, loss in enumerate(val_losses, start=1):
        wait += 1
        if loss <= best:
            best, best_epoch, wait = loss, epoch, 0
        elif wait >= patience:
            return epoch, best_epoch
    return len(val_losses), best_epoch


@exercise("ch04.early_stopping_epoch", SOLUTION,
          hint="track best and a counter `wait`: each epoch wait += 1; if loss < best: best, best_epoch, wait = "
               "loss, epoch, 0; elif wait >= patience: stop after this epoch.")
def check_early_stopping_epoch(early_stopping_epoch):
    cases = [
        ([1.0, 0.8, 0.7, 0.72, 0.71, 0.73, 0.69, 0.9], 2, "a dip, a plateau of 3 epochs, patience 2"),
        ([1.0, 0.8, 0.7, 0.72, 0.71, 0.73, 0.69, 0.9], 3, "the same losses, patience 3"),
        ([1.0, 0.9, 0.9, 0.9, 0.95, 0.97], 2, "ties (0.9 three times), patience 2"),
        ([1.0, 0.9, 0.8, 0.7], 2, "a loss that keeps falling"),
        ([0.5, 0.6, 0.7, 0.8, 0.9], 1, "a loss that only rises, patience 1"),
    ]
    for losses, patience, name in cases:
        result = call(early_stopping_epoch, list(losses), patience)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise Mismatch("return a pair (epochs_run, best_epoch).")
        got = tuple(int(r) for r in result)
        want = _keras_early_stopping(losses, patience)
        if got == want:
            continue
        if got == (want[0] - 1, want[1] - 1):
            raise Mismatch(f"for {name} your epochs look 0-based ({got}); count epochs from 1, as Keras prints them.")
        if got == (want[0], want[0]):
            raise Mismatch(f"for {name} best_epoch should be the epoch with the lowest loss ({want[1]}), "
                           "not the last one run.")
        if got == _keras_early_stopping(losses, patience + 1):
            raise Mismatch(f"for {name} you run one epoch too many ({got[0]} instead of {want[0]}): stop as soon as "
                           f"{patience} epochs in a row have not improved, not after {patience + 1}.")
        if got == _ties_improve(losses, patience):
            raise Mismatch(f"for {name} a tie counts as an improvement in your code; Keras's EarlyStopping needs a "
                           "loss strictly lower than the best so far, so a plateau does not reset the count.")
        raise Mismatch(f"for {name} (patience {patience}) you return (epochs_run, best_epoch) = {got}; "
                       f"Keras's EarlyStopping gives {want}. An epoch improves only if its loss is strictly lower "
                       "than the best so far (a tie does not reset the count).")


# ------------------------------------------------------------------------------ 4.4 validation pass
def _evaluation_setup():
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dropout(0.5), keras.layers.Dense(3, activation="softmax")])
    rng = np.random.default_rng(3)
    x = rng.normal(size=(50, 6)).astype("float32")
    y = rng.integers(0, 3, 50)
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)  # batches of 16, 16, 16 and 2
    return model, dataset, x, y, keras.losses.SparseCategoricalCrossentropy()


@exercise("ch04.evaluate", SOLUTION,
          hint="for each batch: p = model(x, training=False); add loss_fn(y, p) * batch_size to a total and count "
               "correct argmaxes; divide both totals by the number of examples.")
def check_evaluate(evaluate):
    model, dataset, x, y, loss_fn = _evaluation_setup()
    probabilities = model(x, training=False).numpy()
    per_example = -np.log(probabilities[np.arange(len(y)), y])
    want_loss, want_accuracy = per_example.mean(), np.mean(probabilities.argmax(axis=1) == y)
    result = call(evaluate, model, dataset, loss_fn)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise Mismatch("return a pair (mean_loss, accuracy).")
    loss, accuracy = (float(as_array(r, name)) for r, name in zip(result, ("mean_loss", "accuracy")))
    again = call(evaluate, model, dataset, loss_fn)
    if not np.isclose(float(as_array(again[0], "mean_loss")), loss):
        raise Mismatch("two calls on the same data give different losses: the model ran with training=True, so "
                       "dropout was active. Call model(x, training=False).")
    batch_means = [per_example[i:i + 16].mean() for i in range(0, 50, 16)]
    if np.isclose(loss, np.mean(batch_means), atol=1e-5) and not np.isclose(loss, want_loss, atol=1e-5):
        raise Mismatch("you averaged the per-batch mean losses; the last batch has only 2 examples, so weight "
                       "each batch by its size (or sum per-example losses and divide by their count).")
    if np.isclose(loss, batch_means[-1], atol=1e-5):
        raise Mismatch("your loss is the last batch's only: accumulate over all batches.")
    expect_close(loss, want_loss, "the mean loss over all 50 examples", atol=1e-5, rtol=1e-5)
    expect_close(accuracy, want_accuracy, "the accuracy over all 50 examples", atol=1e-6)
