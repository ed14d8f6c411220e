"""Reference answers for chapter 04 · Training."""
import math

import numpy as np
import tensorflow as tf


def adam_step(w, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-7):
    """One Adam update: momentum (running mean m of g) + RMSProp scaling (running mean v of g**2),
    both bias-corrected for their zero start; t counts steps from 1."""
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g ** 2
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def warmup_linear(step, peak_lr, warmup_steps, total_steps, final_lr=0.0):
    """Linear warm-up from 0 to peak_lr, then a straight line down to final_lr at total_steps, then flat."""
    if step < warmup_steps:
        return peak_lr * step / warmup_steps
    decay_steps = total_steps - warmup_steps
    progress = min(step - warmup_steps, decay_steps) / decay_steps
    return peak_lr + (final_lr - peak_lr) * progress


def early_stopping_epoch(val_losses, patience):
    """(epochs_run, best_epoch), 1-based, as keras.callbacks.EarlyStopping(patience=...) on val_loss."""
    best, best_epoch, wait = math.inf, 0, 0
    for epoch, loss in enumerate(val_losses, start=1):
        wait += 1
        if loss < best:
            best, best_epoch, wait = loss, epoch, 0
        elif wait >= patience:
            return epoch, best_epoch
    return len(val_losses), best_epoch


def evaluate(model, dataset, loss_fn):
    """Mean loss and accuracy over all examples: inference mode, no tape, batches weighted by size."""
    total_loss, correct, count = 0.0, 0, 0
    for x, y in dataset:
        outputs = model(x, training=False)  # probabilities or logits: loss_fn knows which, argmax is the same
        n = int(tf.shape(x)[0])
        total_loss += float(loss_fn(y, outputs)) * n
        correct += int(tf.reduce_sum(tf.cast(tf.argmax(outputs, axis=-1) == tf.cast(y, tf.int64), tf.int32)))
        count += n
    return total_loss / count, correct / count


# Exercise 4.5 (predict, then run): clipnorm clips each tensor separately; (3, 4) -> (0.6, 0.8), (0.6, 0.8) stays,
# so the whole step has norm sqrt(1 + 1).
clipnorm_step = 1.41

# Exercise 4.6 (predict, then run): a fresh layer in inference mode uses moving_mean = 0, moving_variance = 1,
# so y = x / sqrt(1 + 0.001) and the output's mean is 5 / 1.0005 = 4.9975, about 5.0.
batchnorm_inference_mean = 5.0

