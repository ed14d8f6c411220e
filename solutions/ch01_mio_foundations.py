"""Reference answers for chapter 01 · MIO foundations."""
import numpy as np
import tensorflow as tf


def softmax(z, axis=-1):
    """Softmax along `axis`; subtracting the max changes nothing mathematically and avoids overflow."""
    z = np.asarray(z, dtype=np.float64)
    shifted = np.exp(z - z.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


def softmax_gd_step(W, b, x, labels, lr):
    """One gradient-descent step of softmax regression (K classes) on the mean softmax cross-entropy."""
    W, b, x = (np.asarray(v, dtype=np.float64) for v in (W, b, x))
    logits = x @ W + b
    probabilities = softmax(logits)  # stable: each row's maximum is subtracted first
    one_hot = np.eye(W.shape[1])[np.asarray(labels)]
    error = (probabilities - one_hot) / len(x)  # d(mean loss)/d(logits): prediction minus truth, over n
    return W - lr * x.T @ error, b - lr * error.sum(axis=0)


def tanh_layer_backward(x, W, b, grad_h):
    """Backpropagation through h = tanh(xW + b): gradients with respect to x, W and b."""
    h = np.tanh(x @ W + b)
    grad_a = grad_h * (1 - h ** 2)  # tanh'(a) = 1 - tanh(a)^2
    return grad_a @ W.T, x.T @ grad_a, grad_a.sum(axis=0)


diverging_rate = "D"  # each step multiplies w by 1 - 0.55 * 4 = -1.2: |w| grows

zero_init_units = 1  # zero-initialised units stay identical: the layer has one distinct unit


def predict_classes(probabilities, threshold=0.5):
    """Class indices from predicted probabilities: threshold a single column, argmax over several."""
    p = np.asarray(probabilities)
    if p.ndim == 2 and p.shape[1] > 1:
        return p.argmax(axis=1)
    return (p.reshape(len(p)) >= threshold).astype(np.int64)


def train_step(model, optimizer, loss_fn, x, y):
    """One corrected training step: the loss stays a tensor inside the tape until the gradient is taken."""
    with tf.GradientTape() as tape:
        predictions = model(x, training=True)
        loss = loss_fn(y, predictions)
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    return loss
