"""Measure input pipelines: examples per second, and the input-bound ratio of a real training loop.

Taught in chapter 03. ``python -m mio_utils.bench [--profile cpu] [--latency-ms 5]`` prints the
chapter's table: the naive pipeline, each optimisation added alone, then all together.

The **input-bound ratio** is the step time of a training loop fed by the pipeline divided by the step
time of the same loop fed by the same tensors already in memory. 1.0 is the physical limit: the input
then costs nothing, and only a faster model (or computer) can make training faster.
"""
from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time

import keras
import pandas as pd
import tensorflow as tf

from . import pipelines
from .env import setup
from .profiles import PROFILES, profile

# Sizes per profile. Chapter 03's cfg starts from these, so the notebook and this command agree.
SETTINGS = {
    # smoke: a few short windows on a machine that may be busy (a load of 5 per core made "all together"
    # measure 3.05 once with 3 pairs of 2 steps); 4.0 still fails a pipeline as input-bound as the naive one (13+).
    "smoke": dict(n_shards=8, records_per_shard=32, batch_size=32, latency_ms=2.0, steps=3, pairs=5,
                  min_seconds=0.25, min_speedup=1.5, max_input_bound_ratio=4.0),
    # 1.25: on this 2-core machine the in-memory control itself measures 1.08 and "all together" 1.13-1.18.
    "cpu": dict(n_shards=8, records_per_shard=256, batch_size=64, latency_ms=5.0, steps=4, pairs=21,
                min_seconds=1.5, min_speedup=3.0, max_input_bound_ratio=1.25),
    # On a GPU the step is so fast that 32 reads in flight cannot keep up: no bound on the ratio there.
    "gpu": dict(n_shards=8, records_per_shard=512, batch_size=64, latency_ms=5.0, steps=4, pairs=21,
                min_seconds=2.0, min_speedup=3.0, max_input_bound_ratio=float("inf")),
}


CONTROL = "in memory (control)"
MEMORY_BATCHES = 4  # distinct batches the in-memory side of the comparison cycles through


def _batch_size(element) -> int:
    first = element[0] if isinstance(element, (tuple, list)) else element
    return int(first.shape[0]) if first.shape.rank else 1


def throughput(dataset, batches: int = 20, warmup: int = 2, min_seconds: float = 0.0,
               examples_per_element: int | None = None) -> float:
    """Examples per second of ``dataset`` alone (no model).

    Takes ``warmup`` elements first (start-up: opening files, filling buffers), then times at least
    ``batches`` elements and at least ``min_seconds`` seconds: a pipeline with many reads in flight
    delivers its first elements in a burst, and only a longer window shows its steady rate.
    Each element counts as ``examples_per_element`` examples; by default, as many as its first
    dimension (a batch), or 1 for a scalar. Pass 1 for unbatched images, whose first dimension is
    their height. Taught in chapter 03.
    """
    if batches < 1 or warmup < 0:
        raise ValueError(f"need batches >= 1 and warmup >= 0; got {batches}, {warmup}.")
    count = _batch_size if examples_per_element is None else (lambda element: examples_per_element)
    iterator = iter(dataset)
    examples, elements = 0, 0
    try:
        for _ in range(warmup):
            next(iterator)
        started = time.perf_counter()
        while elements < batches or time.perf_counter() - started < min_seconds:
            examples += count(next(iterator))
            elements += 1
    except StopIteration:
        raise ValueError(f"the dataset ran out after {warmup + elements} elements; "
                         "use .repeat() or ask for fewer batches.") from None
    return examples / (time.perf_counter() - started)


def _timed_steps(step, batches, steps: int, min_seconds: float) -> float:
    """Seconds per step over at least ``steps`` steps and at least ``min_seconds`` seconds."""
    done, loss, started = 0, None, time.perf_counter()
    for images, labels in batches:
        loss = step(images, labels)
        done += 1
        if done >= steps and time.perf_counter() - started >= min_seconds:
            break
    if loss is not None:
        float(loss)  # wait for the last step to finish
    if done < steps:
        raise ValueError(f"the dataset ran out after {done} batches; expected at least {steps}. Use .repeat().")
    return (time.perf_counter() - started) / done


def input_bound_ratio(dataset, step, steps: int = 4, pairs: int = 8, warmup: int = 2,
                      memory_batches=None) -> dict:
    """Step time fed by ``dataset`` ÷ step time fed by the same tensors already in memory.

    After ``warmup`` batches (opening files, filling the parallel stages) the training loop alternates:
    ``steps`` steps fed from memory, ``steps`` fed by the pipeline, ``steps`` from memory again, and so
    on, ``pairs`` times. Each pipeline window is compared with the mean of the memory windows on either
    side, and the result is the median of those ratios. Other programs on the machine slow both sides
    of a pair alike, so the median of paired ratios is far steadier than two separate totals.
    While the loop is fed from memory a prefetching pipeline keeps working, which flatters a slow
    pipeline a little (by at most one memory window per pipeline window); it cannot hide a pipeline
    that is slower than the model. Stops after two pairs if the loop is clearly input-bound (ratio
    above 3): more pairs would only refine a large number. The step is traced before any timing.
    ``memory_batches`` (a list of batches) saves reading them from a slow ``dataset``. Returns
    ``ratio``, ``pipeline_step_s``, ``memory_step_s`` (medians), ``examples_per_s`` (training fed by
    the pipeline) and ``pairs`` (how many ran). Used in chapter 03 through :func:`run_table`.
    """
    if steps < 1 or pairs < 1 or warmup < 0:
        raise ValueError(f"need steps >= 1, pairs >= 1, warmup >= 0; got {steps}, {pairs}, {warmup}.")
    if memory_batches is None:
        memory_batches = [batch for batch, _ in zip(dataset, range(min(steps, MEMORY_BATCHES)))]
    step(*memory_batches[0])  # trace (compile) the step before anything is timed
    from_memory = itertools.cycle(memory_batches)
    iterator = iter(dataset)
    for _ in range(warmup):
        next(iterator)
    memory_times = [_timed_steps(step, from_memory, steps, 0.0)]
    pipeline_times, ratios = [], []
    for done in range(1, pairs + 1):
        pipeline_times.append(_timed_steps(step, iterator, steps, 0.0))
        memory_times.append(_timed_steps(step, from_memory, steps, 0.0))
        ratios.append(pipeline_times[-1] / ((memory_times[-2] + memory_times[-1]) / 2))
        if done >= 2 and statistics.median(ratios) > 3:
            break
    pipeline_s, memory_s = statistics.median(pipeline_times), statistics.median(memory_times)
    return {
        "ratio": statistics.median(ratios),
        "pipeline_step_s": pipeline_s,
        "memory_step_s": memory_s,
        "examples_per_s": _batch_size(memory_batches[0]) / pipeline_s,
        "pairs": len(ratios),
    }


def run_table(variants, *, files, step, batch_size: int, latency_ms: float, steps: int, pairs: int,
              min_seconds: float, build=None, verbose: bool = True):
    """Measure every pipeline variant; returns a pandas DataFrame, one row per variant.

    ``variants`` maps a row name to the keyword arguments of ``build`` (default
    :func:`mio_utils.pipelines.build_pipeline`), called as ``build(files, batch_size=..., latency_ms=...,
    repeat=True, **keywords)`` over the TFRecord ``files``; ``step`` is the training step every row trains
    with (from :func:`make_train_step`). Columns: pipeline examples/s alone, training examples/s, speed-up
    of training over the first row, the input-bound ratio, and the step time fed from memory. A cache row
    (``cache=True``) first reads one whole epoch, untimed: a cache only helps from the second epoch on. A last
    *control* row feeds batches that are already in memory through tf.data: its ratio should be 1.0, so its
    distance from 1.0 shows how noisy the machine is, and its speed-up is the most any pipeline could
    achieve. Taught in chapter 03.
    """
    build = build or pipelines.build_pipeline
    epoch_batches = sum(_records_in(f) for f in files) // batch_size  # the cache row reads one epoch first
    fast = build(files, batch_size=batch_size, latency_ms=0)
    memory_batches = [batch for batch, _ in zip(fast, range(MEMORY_BATCHES))]
    in_memory = tf.data.Dataset.from_tensor_slices(
        tuple(tf.stack(parts) for parts in zip(*memory_batches))).repeat()
    rows = []
    for name, options in {**variants, CONTROL: None}.items():
        if options is None:  # the control: batches already in memory, served by tf.data
            dataset, options = in_memory, {}
        else:
            dataset = build(files, batch_size=batch_size, latency_ms=latency_ms, repeat=True, **options)
        warmup = epoch_batches if options.get("cache") else 2
        alone = throughput(dataset, batches=max(steps // 2, 2), warmup=warmup, min_seconds=min_seconds)
        measured = input_bound_ratio(dataset, step, steps=steps, pairs=pairs, warmup=warmup,
                                     memory_batches=memory_batches)
        rows.append({"pipeline": name, "pipeline alone (ex/s)": alone,
                     "training (ex/s)": measured["examples_per_s"],
                     "input-bound ratio": measured["ratio"],
                     "step in memory (ms)": 1000 * measured["memory_step_s"]})
        if verbose:
            print(f"  measured {name:<24} {measured['examples_per_s']:8.0f} ex/s  ratio {measured['ratio']:.2f}",
                  flush=True)
    table = pd.DataFrame(rows).set_index("pipeline")
    table.insert(2, "speed-up", table["training (ex/s)"] / table["training (ex/s)"].iloc[0])
    return table


def _records_in(path) -> int:
    return int(tf.data.TFRecordDataset(str(path)).reduce(0, lambda n, _: n + 1))


def record_timeline(dataset, step, read_log: list, steps: int = 6) -> dict:
    """When each read, each wait for a batch and each training step ran, for a timeline plot.

    ``dataset`` must have been built with ``read_log`` (see :func:`mio_utils.pipelines.build_pipeline`), and
    ``step`` traced already. The first batch is taken untimed (starting an iterator costs tens of
    milliseconds of set-up that have nothing to do with reading); time 0 is just after it, and reads already
    running then start at 0. Runs ``steps`` training steps and returns ``{"read": [...], "wait for a batch":
    [...], "train step": [...]}``, each a list of ``(start, end)`` in seconds; reads still running at the end
    are cut off there. Taught in chapter 03.
    """
    iterator = iter(dataset)
    next(iterator)
    started = time.perf_counter()
    waits, trains = [], []
    for _ in range(steps):
        before = time.perf_counter()
        images, labels = next(iterator)
        ready = time.perf_counter()
        float(step(images, labels))  # float() waits for the step to finish
        waits.append((before, ready))
        trains.append((ready, time.perf_counter()))
    finished = time.perf_counter()
    reads = [(max(start, started), min(end, finished)) for start, end in list(read_log)
             if end > started and start < finished]

    def relative(spans):
        return [(start - started, end - started) for start, end in sorted(spans)]

    return {"read": relative(reads), "wait for a batch": relative(waits), "train step": relative(trains)}


def _lanes(spans):
    """Each ``(start, end)`` span with the first lane free when it starts: spans at the same time stack."""
    lane_ends, placed = [], []
    for start, end in sorted(spans):
        lane = next((i for i, lane_end in enumerate(lane_ends) if lane_end <= start), len(lane_ends))
        if lane == len(lane_ends):
            lane_ends.append(end)
        lane_ends[lane] = end
        placed.append((lane, start, end))
    return placed, max(len(lane_ends), 1)


TIMELINE_COLOURS = {"read": "tab:blue", "wait for a batch": "tab:red", "train step": "tab:green"}


def plot_timeline(timelines: dict):
    """Draw :func:`record_timeline` results, one panel per pipeline (each on its own time axis), one row per
    stage (``broken_barh``); reads that run at the same time are stacked in lanes. Taught in chapter 03."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(timelines), 1, figsize=(11, 1.4 + 1.5 * len(timelines)), squeeze=False)
    for ax, (name, events) in zip(axes[:, 0], timelines.items()):
        placed, n_lanes = _lanes(events["read"])
        for lane in range(n_lanes):
            bars = [(1000 * start, 1000 * (end - start)) for i, start, end in placed if i == lane]
            ax.broken_barh(bars, (2 + lane / n_lanes, 0.9 / n_lanes), color=TIMELINE_COLOURS["read"])
        for row, stage in enumerate(("train step", "wait for a batch")):
            bars = [(1000 * start, 1000 * (end - start)) for start, end in events[stage]]
            ax.broken_barh(bars, (row + 0.05, 0.9), color=TIMELINE_COLOURS[stage])
        reads = f"reads ({n_lanes} at once)" if n_lanes > 1 else "reads"
        steps_ms = 1000 * events["train step"][-1][1]
        ax.set(yticks=[0.5, 1.5, 2.5], yticklabels=["train step", "wait for a batch", reads], ylim=(0, 3),
               xlim=(0, steps_ms), title=f"{name}: {len(events['train step'])} steps in {steps_ms:.0f} ms")
    axes[-1, 0].set_xlabel("time (ms)")
    fig.tight_layout()
    return fig


def format_table(table) -> str:
    """The table as aligned text (what the command prints). Taught in chapter 03."""
    return table.to_string(formatters={
        "pipeline alone (ex/s)": "{:,.0f}".format, "training (ex/s)": "{:,.0f}".format,
        "speed-up": "{:.1f}x".format, "input-bound ratio": "{:.2f}".format,
        "step in memory (ms)": "{:.1f}".format,
    })


def main(argv=None) -> int:
    """The command line: ``python -m mio_utils.bench [--profile P] [--latency-ms MS]`` prints :func:`run_table`."""
    parser = argparse.ArgumentParser(description="Chapter 03's table: input pipelines from naive to optimised.")
    parser.add_argument("--profile", choices=PROFILES, default=None, help="sizes; default: $MIO_PROFILE, else auto")
    parser.add_argument("--latency-ms", type=float, default=None,
                        help="simulated latency per record read, in ms (default 5)")
    args = parser.parse_args(argv)
    if args.latency_ms is not None and args.latency_ms < 0:
        parser.error("--latency-ms must be >= 0")

    active = args.profile or profile()
    settings = dict(SETTINGS[active])
    if args.latency_ms is not None:
        settings["latency_ms"] = args.latency_ms
    setup(seed=42, quiet=True)
    print(f"profile {active}: {settings['n_shards']} shards x {settings['records_per_shard']} records, "
          f"batch {settings['batch_size']}, simulated latency {settings['latency_ms']:g} ms per record read")
    files = pipelines.write_shards(settings["n_shards"], settings["records_per_shard"])
    keras.utils.set_random_seed(0)
    step = make_train_step(make_model(pipelines.IMAGE_SHAPE, pipelines.NUM_CLASSES))
    table = run_table(pipelines.VARIANTS, files=files, step=step,
                      **{key: settings[key] for key in ("batch_size", "latency_ms", "steps", "pairs", "min_seconds")})
    print(format_table(table))
    best = table.loc["all together"]
    met = (best["speed-up"] >= settings["min_speedup"]
           and best["input-bound ratio"] <= settings["max_input_bound_ratio"])
    print(f"all together: {best['speed-up']:.1f}x the naive pipeline (target >= {settings['min_speedup']:g}x), "
          f"input-bound ratio {best['input-bound ratio']:.2f} (target <= {settings['max_input_bound_ratio']:.2f}): "
          f"{'met' if met else 'NOT met'}")
    return 0 if met else 1



# ---- @save from chapters/03_input_pipelines_io.ipynb: generated, edit the chapter and run `make export` ----
def make_model(input_shape=(32, 32, 3), num_classes=10):
    """The small CNN chapter 03 trains: enough arithmetic per step that a good pipeline can keep up.

    It takes uint8 images as they come out of the pipeline and returns logits. Taught in chapter 03.
    """
    return keras.Sequential([
        keras.Input(input_shape, dtype="uint8"),
        keras.layers.Rescaling(1 / 255),
        keras.layers.Conv2D(16, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(32, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Flatten(),
        keras.layers.Dense(num_classes),
    ])


def make_train_step(model, learning_rate=1e-3):
    """A compiled training step ``step(images, labels) -> loss``: forward, loss, gradients, update.

    The same step is fed from a pipeline and from memory, so only the input differs. Taught in chapter 03.
    """
    optimizer = keras.optimizers.Adam(learning_rate)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    @tf.function(reduce_retracing=True)
    def step(images, labels):
        with tf.GradientTape() as tape:
            loss = loss_fn(labels, model(images, training=True))
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return loss

    return step
# ---- end @save from chapters/03_input_pipelines_io.ipynb ----


# After the generated block, so that `python -m mio_utils.bench` sees the chapter's definitions too.
if __name__ == "__main__":
    sys.exit(main())
