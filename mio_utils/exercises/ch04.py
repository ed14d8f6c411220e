"""Checkers for chapter 04 · Training. Expected answers come from Keras or TensorFlow themselves."""
import math

import numpy as np

from . import Mismatch, as_array, as_number, as_prediction_number, call, exercise, expect_close, hidden_rng

SOLUTION = "ch04_training.py"


# ------------------------------------------------------------------------------------------ 4.1 Adam
def _tf_adam(w, g, m, v, t, lr, beta1, beta2, eps, textbook=True):
    """One step of TensorFlow's Adam kernel from any state; returns (new_w, new_m, new_v).

    The kernel (like keras.optimizers.Adam) adds eps to sqrt(v) *before* the bias correction; with
    ``textbook=True`` its eps is scaled by sqrt(1 - beta2**t) so that the step is the chapter's
    m_hat / (sqrt(v_hat) + eps) exactly.
    """
    import tensorflow as tf

    variables = [tf.Variable(np.array(a, dtype="float64")) for a in (w, m, v)]
    scalar = lambda x: tf.constant(x, tf.float64)  # noqa: E731
    epsilon = eps * np.sqrt(1 - beta2 ** t) if textbook else eps
    tf.raw_ops.ResourceApplyAdam(
        var=variables[0].handle, m=variables[1].handle, v=variables[2].handle,
        beta1_power=scalar(beta1 ** t), beta2_power=scalar(beta2 ** t), lr=scalar(lr), beta1=scalar(beta1),
        beta2=scalar(beta2), epsilon=scalar(epsilon), grad=tf.constant(np.array(g, dtype="float64")))
    return [variable.numpy() for variable in variables]


def _kind(result):
    """'dict', 'tuple of length 3'...: what the answer returned, for a message."""
    length = f" of length {len(result)}" if isinstance(result, (tuple, list)) else ""
    return f"{type(result).__name__}{length}"


def _unpack_triple(result, what, shape):
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        raise Mismatch(f"{what} should return three arrays (new_w, new_m, new_v); got {_kind(result)}.")
    arrays = [as_array(r, name) for r, name in zip(result, ("new_w", "new_m", "new_v"))]
    for array, name in zip(arrays, ("new_w", "new_m", "new_v")):
        if array.shape != shape:
            raise Mismatch(f"{name} has shape {array.shape}; expected {shape}, the shape of w.")
    return arrays


def _adam_cases(rng):
    """(name, w, m, v, first t, gradients, hyperparameters): runs of consecutive steps, from the zero state
    at t=1 or from a state as after many steps."""
    cases = []
    for shape, t0 in (((5,), 1), ((3, 4), 1), ((4,), int(rng.integers(20, 2000)))):
        hyper = dict(lr=float(rng.choice([1e-3, 0.01, 0.1])), beta1=float(rng.uniform(0.8, 0.95)),
                     beta2=float(rng.uniform(0.99, 0.9999)), eps=1e-8)
        m, v = (np.zeros(shape), np.zeros(shape)) if t0 == 1 else (0.1 * rng.normal(size=shape),
                                                                   0.5 + rng.random(shape))
        cases.append((f"w of shape {shape}", rng.normal(size=shape), m, v, t0,
                      [rng.normal(size=shape) for _ in range(3)], hyper))
    # eps as large as the gradients: where it goes matters
    hyper = dict(lr=0.01, beta1=0.9, beta2=0.999, eps=float(rng.uniform(0.05, 0.2)))
    cases.append((f"eps={hyper['eps']:.3f} and gradients near 0.1", rng.normal(size=6), np.zeros(6), np.zeros(6), 1,
                  [0.1 * rng.normal(size=6) for _ in range(3)], hyper))
    return cases


def _close(a, b):
    return np.allclose(a, b, rtol=1e-6, atol=1e-9)


def _adam_diagnosis(new_w, new_m, new_v, w, g, m, v, t, h, right_w):
    """Name the plausible mistake that gives the answer's numbers, or None."""
    lr, b1, b2, eps = h["lr"], h["beta1"], h["beta2"], h["eps"]
    want_m, want_v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g ** 2
    m_hat, v_hat = want_m / (1 - b1 ** t), want_v / (1 - b2 ** t)
    if t == 1 and not np.all(np.isfinite(new_w)):
        return ("at step t=1 your new_w is not finite: t counts from 1, so the first bias correction divides "
                "by 1 - beta1**1.")
    if _close(new_v, b2 * v + (1 - b2) * g):
        return "v must average the *squared* gradient: v = beta2*v + (1 - beta2) * g**2."
    if _close(new_m, m_hat) or _close(new_v, v_hat):
        return ("return the running means m and v themselves; the bias-corrected m_hat and v_hat are only used "
                "for the step (the next step starts from m and v).")
    if right_w:
        return None
    if _close(new_w, w - lr * want_m / (np.sqrt(want_v) + eps)):
        return (f"at step t={t} your update skips the bias correction: divide m by (1 - beta1**t) and v by "
                "(1 - beta2**t), or the first steps are far too small.")
    if _close(new_w, w - lr * g / (np.sqrt(v_hat) + eps)) and not _close(g, m_hat):
        return ("your step uses the raw gradient g instead of its running mean m: that is RMSProp. Adam adds "
                "momentum: step along m_hat.")
    if _close(new_w, w + lr * m_hat / (np.sqrt(v_hat) + eps)):
        return "your step goes *up* the gradient: subtract lr * m_hat / (sqrt(v_hat) + eps)."
    if any(_close(new_w, w - lr * (want_m / (1 - b1 ** s)) / (np.sqrt(want_v / (1 - b2 ** s)) + eps))
           for s in (t - 1, t + 1) if s > 0):
        return f"your bias correction uses the wrong power: at step t={t} divide by (1 - beta**t), t counted from 1."
    misplaced = (w - lr * m_hat / np.sqrt(v_hat + eps), w - lr * (m_hat / np.sqrt(v_hat) + eps),
                 w - lr * m_hat / np.sqrt(v_hat))
    if any(_close(new_w, wrong) for wrong in misplaced):
        return "eps goes outside the square root, added to the denominator: m_hat / (sqrt(v_hat) + eps)."
    return None


@exercise("ch04.adam_step", SOLUTION,
          hints=("Adam keeps two running means, m of the gradient and v of its square; both start at 0, so "
                 "early on they are too small and are divided by a correction before the step. Return the "
                 "uncorrected m and v.",
                 "m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g**2; m_hat = m / (1 - b1**t); v_hat = v / (1 - b2**t); "
                 "new_w = w - lr * m_hat / (sqrt(v_hat) + eps)."))
def check_adam_step(adam_step):
    for name, w, m, v, t0, grads, hyper in _adam_cases(hidden_rng()):
        for t, g in enumerate(grads, start=t0):
            result = call(adam_step, w.copy(), g.copy(), m.copy(), v.copy(), t, **hyper)
            new_w, new_m, new_v = _unpack_triple(result, "adam_step", w.shape)
            want_w, want_m, want_v = _tf_adam(w, g, m, v, t, **hyper)
            keras_w = _tf_adam(w, g, m, v, t, **hyper, textbook=False)[0]  # Keras's own placement of eps is fine
            right_w = _close(new_w, want_w) or _close(new_w, keras_w)
            if not (right_w and _close(new_m, want_m) and _close(new_v, want_v)):
                why = _adam_diagnosis(new_w, new_m, new_v, w, g, m, v, t, hyper, right_w)
                if why:
                    raise Mismatch(f"for {name}: {why}")
                where = (f"at step t={t} for {name} (lr={hyper['lr']:g}, beta1={hyper['beta1']:.3f}, "
                         f"beta2={hyper['beta2']:.4f}, eps={hyper['eps']:g})")
                expect_close(new_m, want_m, f"new_m {where}", atol=1e-9, rtol=1e-6)
                expect_close(new_v, want_v, f"new_v {where}", atol=1e-12, rtol=1e-6)
                expect_close(new_w, want_w, f"new_w {where}, compared with TensorFlow's Adam", atol=1e-9, rtol=1e-6)
            w, m, v = want_w, want_m, want_v


# ------------------------------------------------------------------------------- 4.2 warm-up + linear
def _keras_warmup_linear(steps, peak, warmup, total, final):
    """The expected rates: a linear ramp, then Keras's PolynomialDecay of power 1 (a straight line, then flat)."""
    import keras

    decay = keras.optimizers.schedules.PolynomialDecay(peak, decay_steps=total - warmup, end_learning_rate=final,
                                                       power=1.0)
    return np.array([peak * s / warmup if s < warmup else float(decay(s - warmup)) for s in steps])


def _cosine_after_warmup(steps, peak, warmup, total, final):
    """The warm-up + cosine schedule the chapter plots: the answer of a learner who copied it."""
    return np.array([peak * s / warmup if s < warmup else
                     final + (peak - final) * 0.5 * (1 + math.cos(math.pi * min(s - warmup, total - warmup)
                                                               / (total - warmup))) for s in steps])


def _schedule_cases(rng):
    cases = [(0.1, 10, 50, 0.001)]
    for _ in range(2):
        warmup = int(rng.integers(3, 40))
        peak = float(rng.choice([3e-4, 1e-3, 0.05, 0.5, 2.0]))
        cases.append((peak, warmup, warmup + int(rng.integers(10, 200)), peak * float(rng.choice([0.0, 0.01, 0.2]))))
    warmup = int(rng.integers(3, 20))
    cases.append((1.0, warmup, warmup + int(rng.integers(10, 50)), float(rng.uniform(0.1, 0.3))))  # final_lr > 0
    return cases


@exercise("ch04.warmup_linear", SOLUTION,
          hints=("Two straight lines and a flat end: up from 0 to peak_lr over the warm-up, then down from peak_lr "
                 "to final_lr over the remaining total_steps - warmup_steps steps, then constant. Measure the "
                 "decay's progress from the end of the warm-up, and cap it at 1.",
                 "if step < warmup_steps: peak_lr * step / warmup_steps; else progress = min(step - warmup_steps, "
                 "total_steps - warmup_steps) / (total_steps - warmup_steps) and "
                 "peak_lr + (final_lr - peak_lr) * progress."))
def check_warmup_linear(warmup_linear):
    rng = hidden_rng()
    for peak, warmup, total, final in _schedule_cases(rng):
        steps = sorted({0, 1, warmup // 2, warmup - 1, warmup, warmup + 1, (warmup + total) // 2, total - 1, total,
                        total + 1, 3 * total, *rng.integers(0, total + 5, 4).tolist()})
        config = f"peak_lr={peak:g}, warmup_steps={warmup}, total_steps={total}, final_lr={final:g}"
        got = np.array([as_number(call(warmup_linear, int(s), peak, warmup, total, final), f"the rate at step {s}")
                        for s in steps])
        expected = _keras_warmup_linear(steps, peak, warmup, total, final)
        atol = 1e-7 * peak  # Keras computes in float32
        if np.allclose(got, expected, atol=atol, rtol=1e-5):
            continue
        if np.isclose(got[0], peak):
            raise Mismatch(f"with {config}, at step 0 your rate is already the peak: a warm-up starts at 0 and rises "
                           "linearly.")
        if np.allclose(got, _cosine_after_warmup(steps, peak, warmup, total, final), atol=atol, rtol=1e-5):
            raise Mismatch(f"with {config}, your decay follows a cosine, like the schedule plotted in the chapter; "
                           "this one falls along a straight line from peak_lr to final_lr.")
        after = [(s, g) for s, g in zip(steps, got) if s >= total and not np.isclose(g, final, atol=atol)]
        if after:
            raise Mismatch(f"with {config}, the rate must stay at final_lr after total_steps; at step {after[0][0]} "
                           f"you return {after[0][1]:.6g} (cap the decay's progress at 1).")
        decay = [i for i, s in enumerate(steps) if s >= warmup]
        from_zero = np.array([peak + (final - peak) * min(steps[i], total) / total for i in decay])
        if np.allclose(got[decay], from_zero, atol=atol, rtol=1e-5):
            raise Mismatch(f"with {config}, your line runs over all total_steps from step 0; it should start after "
                           "the warm-up and last total_steps - warmup_steps steps.")
        for step, g, e in zip(steps, got, expected):
            expect_close(g, e, f"with {config}, the learning rate at step {step}", atol=atol, rtol=1e-5)
    default = as_number(call(warmup_linear, 30, 1.0, 10, 20), "the rate at step 30")
    expect_close(default, 0.0, "the rate after total_steps with final_lr left at its default (0)", atol=1e-7)


# ---------------------------------------------------------------------------- 4.3 early stopping
def _keras_early_stopping(val_losses, patience, model):
    """Drive keras.callbacks.EarlyStopping with the given losses; return (epochs_run, best_epoch)."""
    import keras

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


def _early_stopping_cases(rng):
    cases = [
        ([1.0, 0.8, 0.7, 0.72, 0.71, 0.73, 0.69, 0.9], 2, "a dip, a plateau of 3 epochs, patience 2"),
        ([1.0, 0.8, 0.7, 0.72, 0.71, 0.73, 0.69, 0.9], 3, "the same losses, patience 3"),
        ([1.0, 0.9, 0.9, 0.9, 0.95, 0.97], 2, "ties (0.9 three times), patience 2"),
        ([1.0, 0.9, 0.95, 0.9, 0.96], 3, "a tie with the best after one worse epoch, patience 3"),
        ([1.0, 0.9, 0.8, 0.7], 2, "a loss that keeps falling"),
        ([0.5, 0.6, 0.7, 0.8, 0.9], 1, "a loss that only rises, patience 1"),
        ([0.8, 0.9, 0.7], 5, "three epochs with patience 5"),
        ([0.8, 0.7, 0.9, 0.95], 2, "a run whose last epoch exhausts patience 2"),
        ([0.9, 0.8, 0.85, 0.86, 0.87, 0.5], 3, "a lower loss that comes only after the stop"),
        ([1.0, 0.9, 0.899, 0.95, 0.96, 0.97], 2, "an improvement of only 0.001 (it counts: no min_delta)"),
    ]
    for decimals in (1, 1, 1, 2, 3, 3):
        losses = np.round(rng.uniform(0.3, 1.0, int(rng.integers(2, 14))), decimals).tolist()  # rounding makes ties
        cases.append((losses, int(rng.integers(1, 5)), f"the losses {losses}"))
    return cases


def _as_epoch(value, what):
    number = as_number(value, what)
    if not np.isfinite(number) or number != round(number):
        raise Mismatch(f"{what} should be a whole number of epochs; got {number:g}.")
    return int(number)


@exercise("ch04.early_stopping_epoch", SOLUTION,
          hints=("Walk through the epochs keeping the best loss so far, the epoch it came from, and how many "
                 "epochs in a row have not beaten it; only a strictly lower loss resets that count.",
                 "each epoch: wait += 1; if loss < best: best, best_epoch, wait = loss, epoch, 0; "
                 "elif wait >= patience: stop after this epoch (epochs counted from 1)."))
def check_early_stopping_epoch(early_stopping_epoch):
    import keras

    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])  # only for the callback's stop flag
    passed_one = False  # after a passed case, a systematic slip (0-based, one epoch late) is ruled out
    for losses, patience, name in _early_stopping_cases(hidden_rng()):
        result = call(early_stopping_epoch, list(losses), patience)
        if isinstance(result, np.ndarray) or hasattr(result, "numpy"):  # an array of two numbers is a pair too
            result = list(as_array(result, "the pair (epochs_run, best_epoch)").reshape(-1))
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise Mismatch(f"return a pair (epochs_run, best_epoch); got {_kind(result)}.")
        got = tuple(_as_epoch(r, what) for r, what in zip(result, ("epochs_run", "best_epoch")))
        want = _keras_early_stopping(losses, patience, model)
        if got == want:
            passed_one = True
            continue
        where = f"for {name}" + ("" if "patience" in name else f", patience {patience}")
        nudged = [loss - 1e-5 * i for i, loss in enumerate(losses)]  # with these, a tie counts as an improvement
        diagnoses = [
            (not passed_one and got == (want[0] - 1, want[1] - 1),
             f"{where} your epochs look 0-based ({got}); count epochs from 1, as Keras prints them."),
            (not passed_one and got == (want[0], want[0]) and want[0] != want[1],
             f"{where} best_epoch should be the epoch with the lowest loss ({want[1]}), not the last one run."),
            (got[1] == int(np.argmin(losses)) + 1 and got[1] > want[0],
             f"{where} your best_epoch ({got[1]}) comes after the stop (epoch {want[0]}): look only at the epochs "
             "that were run."),
            (not passed_one and got == _keras_early_stopping(losses, patience + 1, model),
             f"{where} you run one epoch too many ({got[0]} instead of {want[0]}): stop as soon as {patience} epochs "
             f"in a row have not improved, not after {patience + 1}."),
            (got == _keras_early_stopping(nudged, patience, model),
             f"{where} a tie counts as an improvement in your code; Keras's EarlyStopping needs a loss strictly "
             "lower than the best so far, so a plateau does not reset the count."),
        ]
        for applies, message in diagnoses:
            if applies:
                raise Mismatch(message)
        raise Mismatch(f"{where} you return (epochs_run, best_epoch) = {got}; Keras's EarlyStopping gives {want}. "
                       "An epoch improves only if its loss is strictly lower than the best so far (a tie does not "
                       "reset the count).")


# ------------------------------------------------------------------------------ 4.4 validation pass
def _evaluation_setup(rng, logits):
    """A model with dropout and batch normalisation (so training=True changes its output and its statistics),
    a dataset whose last batch is smaller, and a loss function."""
    import keras
    import tensorflow as tf

    n, batch = int(rng.integers(37, 70)), int(rng.integers(8, 17))
    if n % batch == 0:
        n += 1
    classes = int(rng.integers(3, 6))
    model = keras.Sequential([
        keras.Input((6,)), keras.layers.Dense(16, activation="relu"), keras.layers.BatchNormalization(),
        keras.layers.Dropout(0.5), keras.layers.Dense(classes, activation=None if logits else "softmax")])
    # hidden weights, small enough that no probability saturates, and batch-normalisation statistics unlike
    # any batch's
    model.set_weights([rng.uniform(0.5, 2, w.shape) if "variance" in w.path or "gamma" in w.path
                       else rng.normal(0, 0.3, w.shape) for w in model.weights])
    x = rng.normal(size=(n, 6)).astype("float32")
    y = rng.integers(0, classes, n)
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(batch)
    return model, dataset, x, y, batch, keras.losses.SparseCategoricalCrossentropy(from_logits=logits)


def _pair(result, what):
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise Mismatch(f"{what} should return a pair (mean_loss, accuracy); got {_kind(result)}.")
    return tuple(as_number(r, name) for r, name in zip(result, ("mean_loss", "accuracy")))


@exercise("ch04.evaluate", SOLUTION,
          hints=("Inference mode for every batch, and a mean over examples, not over batches: the last batch "
                 "is smaller, so a batch's mean loss must count as many times as it has examples.",
                 "for each batch: p = model(x, training=False); total += loss_fn(y, p) * batch_size; correct += "
                 "number of argmax(p) == y; at the end return total / n, correct / n."))
def check_evaluate(evaluate):
    import keras

    rng = hidden_rng()
    for logits in (True, False):
        model, dataset, x, y, batch, loss_fn = _evaluation_setup(rng, logits)
        outputs = model(x, training=False)
        want_loss = float(loss_fn(y, outputs))
        want_accuracy = float(np.mean(np.argmax(outputs, axis=1) == y))
        per_example = keras.losses.SparseCategoricalCrossentropy(from_logits=logits, reduction=None)(y, outputs)
        per_example = np.asarray(per_example, dtype="float64")
        weights = [w.numpy().copy() for w in model.weights]
        what = f"for {len(y)} examples in batches of {batch}" + (" (a model that outputs logits)" if logits else "")
        loss, accuracy = _pair(call(evaluate, model, dataset, loss_fn), "evaluate")
        if any(not np.array_equal(w.numpy(), before) for w, before in zip(model.weights, weights)):
            raise Mismatch("your pass changed the model's weights or its batch-normalisation statistics: it ran the "
                           "model with training=True (or trained it). Call model(x, training=False).")
        batch_means = [np.mean(per_example[i:i + batch]) for i in range(0, len(y), batch)]
        if not np.isclose(loss, want_loss, rtol=1e-4, atol=1e-5):
            if np.isclose(loss, np.mean(batch_means), rtol=1e-4, atol=1e-5):
                raise Mismatch(f"{what} you averaged the per-batch mean losses; the last batch is smaller, so weight "
                               "each batch by its size (or sum per-example losses and divide by their count).")
            if np.isclose(loss, batch_means[-1], rtol=1e-4, atol=1e-5):
                raise Mismatch(f"{what} your loss is the last batch's only: accumulate over all batches.")
            if np.isclose(loss, np.sum(per_example), rtol=1e-4):
                raise Mismatch(f"{what} you return the summed loss; divide by the number of examples.")
            other_kind = keras.losses.SparseCategoricalCrossentropy(from_logits=not logits)(y, outputs)
            if np.isclose(loss, float(other_kind), rtol=1e-4, atol=1e-5) or not np.isfinite(loss):
                raise Mismatch(f"{what} your mean loss is {loss:g}, expected {want_loss:g}: compute it with the "
                               f"loss_fn you are given (this model outputs {'logits' if logits else 'probabilities'}).")
            again = _pair(call(evaluate, model, dataset, loss_fn), "evaluate")[0]
            if not np.isclose(again, loss, rtol=1e-4, atol=1e-5):
                raise Mismatch("two calls on the same data give different losses: the model ran with training=True, "
                               "so dropout was active. Call model(x, training=False).")
            expect_close(loss, want_loss, f"the mean loss {what}", atol=1e-5, rtol=1e-4)
        if np.isclose(accuracy, want_accuracy * len(y), atol=1e-6) and want_accuracy > 0:
            raise Mismatch(f"{what} you return the number of correct predictions ({accuracy:g}); divide it by the "
                           "number of examples.")
        expect_close(accuracy, want_accuracy, f"the accuracy {what}", atol=1e-6)


# ------------------------------------------------------------------------------- 4.5 and 4.6 predictions


BN_EPSILON = 1e-3  # keras.layers.BatchNormalization's default


@exercise("ch04.batchnorm_inference_mean", SOLUTION, kind="prediction",
          hints=("Which statistics does the layer use when training=False: the batch's, or the ones it has "
                 "stored? And what are the stored ones before any training?",
                 "inference mode: y = gamma * (x - moving_mean) / sqrt(moving_variance + epsilon) + beta, and a "
                 "fresh layer has gamma = 1, beta = 0, moving_mean = 0, moving_variance = 1, epsilon = 0.001."))
def check_batchnorm_inference_mean(prediction):
    value = as_prediction_number(prediction)
    truth = 5 / math.sqrt(1 + BN_EPSILON)
    why = ("in inference mode the layer standardises with its moving averages, not with the batch's statistics, "
           "and a fresh layer's are mean 0 and variance 1 (with gamma 1, beta 0): y = (x - 0) / sqrt(1 + 0.001), "
           f"almost the input itself, so the output's mean is {truth:.4f}.")
    if abs(value - truth) <= 0.06:
        return (f"{why} Only training-mode calls move those averages towards the data's (mean 5, variance 4), "
                "slowly with momentum 0.99: the cells below measure it.")
    if abs(value) <= 0.06:
        raise Mismatch("0 is what *training* mode gives (each feature standardised by the batch's own mean). With "
                       "training=False the layer uses the statistics it has stored instead.")
    if abs(value - 2.5) <= 0.06 or abs(value - 1.25) <= 0.06:
        raise Mismatch("that divides by the batch's standard deviation (or variance); in inference mode the layer "
                       "does not look at the batch's statistics at all, only at the ones it has stored.")
    if abs(value - 1) <= 0.06:
        raise Mismatch("1 would be a standard deviation after standardising; the question asks for the mean, and "
                       "in inference mode the batch is not standardised by its own statistics.")
    raise Mismatch(f"{value:g} is not what the layer gives: work out which mean and variance it uses with "
                   "training=False, and what they are before any training.")


CLIP_GRADIENTS = ((3.0, 4.0), (0.6, 0.8))  # the gradients of the two tensors in the exercise


@exercise("ch04.clipnorm_step", SOLUTION, kind="prediction",
          hints=("clipnorm looks at each weight tensor on its own: compute the norm of each gradient, clip the ones "
                 "above 1, then combine the two clipped steps.",
                 "a's gradient has norm 5 and becomes (0.6, 0.8); b's has norm 1 and is not above the threshold; the "
                 "whole step's norm is sqrt(norm_a**2 + norm_b**2)."))
def check_clipnorm_step(prediction):
    value = as_prediction_number(prediction)
    norms = [math.hypot(*g) for g in CLIP_GRADIENTS]
    truth = math.sqrt(sum(min(n, 1.0) ** 2 for n in norms))
    unclipped = math.sqrt(sum(n ** 2 for n in norms))
    if abs(value - truth) <= 0.01:
        return (f"clipnorm clips each tensor's gradient on its own: a's (norm {norms[0]:g}) is scaled down to norm 1, "
                f"b's (norm {norms[1]:g}) is not above 1 and stays, so the whole step has norm sqrt(1 + 1) = "
                f"{truth:.4f}. With global_clipnorm=1.0 the two would be scaled together and the step's norm would be "
                "exactly 1.")
    if abs(value - 1.0) <= 0.01:
        raise Mismatch("1 is what global_clipnorm=1.0 gives, which clips all the gradients together. clipnorm works "
                       "on each weight tensor separately.")
    if abs(value - unclipped) <= 0.02 or abs(value - norms[0]) <= 0.01:
        raise Mismatch(f"that ignores the clipping: a's gradient has norm {norms[0]:g}, above clipnorm=1.0, so it is "
                       "rescaled before the step.")
    if abs(value - 2.0) <= 0.01:
        raise Mismatch("norms do not add: the norm of the whole step is the square root of the sum of the squared "
                       "norms of its parts.")
    raise Mismatch(f"{value:g} is not the step's norm: clip each tensor's gradient, then take the norm of all four "
                   "numbers together.")

