"""mio_utils.pipelines: generated shards, the simulated latency, and pipeline variants that agree."""
import time
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from mio_utils import formats, pipelines


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    return pipelines.write_shards(4, 16, seed=1, root=tmp_path_factory.mktemp("shards"))


def _examples(dataset):
    """Every (label, image bytes) pair a dataset yields, sorted: the content, order aside."""
    pairs = []
    for images, labels in dataset:
        pairs += zip(labels.numpy().tolist(), (i.tobytes() for i in images.numpy()))
    return sorted(pairs)


def test_synthetic_images_are_sorted_repeatable_uint8():
    x, y = pipelines.synthetic_images(50, seed=3)
    assert x.shape == (50, *pipelines.IMAGE_SHAPE) and x.dtype == np.uint8
    assert np.all(np.diff(y) >= 0) and len(set(y)) > 5
    x2, y2 = pipelines.synthetic_images(50, seed=3)
    assert np.array_equal(x, x2) and np.array_equal(y, y2)
    with pytest.raises(ValueError):
        pipelines.synthetic_images(0)


def test_write_shards_creates_and_reuses(shards):
    assert len(shards) == 4 and all(s.endswith("-of-00004.tfrecord") for s in shards)
    labels = np.concatenate([formats.read_tfrecord(s, expected_records=16)[1] for s in shards])
    assert np.all(np.diff(labels) >= 0), "records are written in class order"
    before = [Path(s).stat().st_mtime_ns for s in shards]
    again = pipelines.write_shards(4, 16, seed=1, root=Path(shards[0]).parents[2])  # the fixture's root
    assert again == shards and [Path(s).stat().st_mtime_ns for s in shards] == before


def test_write_shards_from_given_images(tmp_path):
    x = np.zeros((10, *pipelines.IMAGE_SHAPE), np.uint8)
    y = np.array([3, 1, 2, 0, 1, 3, 2, 0, 1, 2])
    x[:, 0, 0, 0] = np.arange(10)
    files = pipelines.write_shards(2, 4, root=tmp_path, images=x, labels=y, name="given")
    images = np.concatenate([formats.read_tfrecord(f)[0] for f in files])
    labels = np.concatenate([formats.read_tfrecord(f)[1] for f in files])
    assert labels.tolist() == sorted(y[:8].tolist()) and images[:, 0, 0, 0].tolist() == [3, 7, 1, 4, 2, 6, 0, 5]
    with pytest.raises(ValueError, match="uint8 images shaped"):
        pipelines.write_shards(2, 4, root=tmp_path, images=x[:5], labels=y[:5], name="few")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_record_latency(seed):
    assert pipelines.record_latency_s(b"abc", 5.0) == 0.005
    rng = np.random.default_rng(seed)
    records = [rng.bytes(16) for _ in range(4000)]
    jittered = [pipelines.record_latency_s(r, 5.0, jitter=1.0) for r in records]
    assert abs(np.mean(jittered) - 0.005) < 0.0005 and max(jittered) > 0.02, "same mean, long tail"
    assert jittered[0] == pipelines.record_latency_s(records[0], 5.0, jitter=1.0), "repeatable per record"
    with pytest.raises(ValueError):
        pipelines.simulated_read(-1)


def test_simulated_read_waits_per_record_and_returns_input():
    read = pipelines.simulated_read(20)
    batch = tf.constant([b"a", b"b", b"c"])
    started = time.perf_counter()
    out = read(batch)
    assert time.perf_counter() - started >= 0.06 and out.numpy().tolist() == [b"a", b"b", b"c"]
    assert read(tf.constant(b"x")).numpy() == b"x"


def test_parallel_reads_overlap_even_under_op_determinism(shards):
    def seconds(**options):
        dataset = pipelines.build_pipeline(shards[:2], batch_size=8, latency_ms=20, **options)
        started = time.perf_counter()
        for _ in dataset:
            pass
        return time.perf_counter() - started

    with pipelines.op_determinism(True):
        naive, parallel = seconds(), seconds(parallel=16)
    assert naive >= 32 * 0.02 and parallel < naive / 2, (naive, parallel)  # 32 reads of 20 ms


@pytest.mark.parametrize("name", list(pipelines.VARIANTS))
def test_every_variant_yields_every_record_once(shards, name):
    options = dict(pipelines.VARIANTS[name])
    dataset = pipelines.build_pipeline(shards, batch_size=8, latency_ms=0, **options)
    reference = pipelines.build_pipeline(shards, batch_size=8, latency_ms=0)
    assert dataset.element_spec[0].shape == (8, *pipelines.IMAGE_SHAPE)
    assert _examples(dataset) == _examples(reference)
    assert len(_examples(reference)) == 64


def test_naive_keeps_file_order_and_repeat_is_endless(shards):
    naive = pipelines.build_pipeline(shards, batch_size=8, latency_ms=0)
    labels = np.concatenate([y.numpy() for _, y in naive])
    assert np.all(np.diff(labels) >= 0)
    endless = pipelines.build_pipeline(shards, batch_size=8, latency_ms=0, repeat=True, interleave=2)
    assert sum(1 for _ in endless.take(20)) == 20


def test_file_cache(tmp_path, shards):
    path = str(tmp_path / "cache")
    first = _examples(pipelines.build_pipeline(shards, batch_size=8, latency_ms=0, cache=path))
    assert list(tmp_path.glob("cache*")), "the cache file is written"
    assert _examples(pipelines.build_pipeline(shards, batch_size=8, latency_ms=0, cache=path)) == first


def test_build_pipeline_rejects_bad_arguments(shards):
    with pytest.raises(ValueError, match="at least one TFRecord file"):
        pipelines.build_pipeline([])
    with pytest.raises(ValueError, match="batch_size >= 1"):
        pipelines.build_pipeline(shards, batch_size=0)
    with pytest.raises(ValueError, match="tf.data.AUTOTUNE"):
        pipelines.build_pipeline(shards, parallel=-2)


def test_vectorised_shards_smaller_than_a_batch_are_refused(shards):
    """Each shard is batched on its own: 16 records cannot fill a batch of 32, and with repeat=True the
    pipeline would wait forever for one."""
    with pytest.raises(ValueError, match="fewer than batch_size=32"):
        pipelines.build_pipeline(shards, batch_size=32, latency_ms=0, vectorised=True, repeat=True)
    assert sum(1 for _ in pipelines.build_pipeline(shards, batch_size=16, latency_ms=0, vectorised=True)) == 4


def test_autotune_row_and_stage_names(shards):
    keywords = pipelines.VARIANTS["all together, AUTOTUNE"]
    autotuned = pipelines.build_pipeline(shards, batch_size=8, latency_ms=0, **keywords)
    stages = pipelines.stage_names(autotuned)
    assert stages[0] == "file names" and stages[-1] == "prefetch"
    assert "interleave[TFRecords -> batch -> map(read) xAUTOTUNE] xAUTOTUNE" in stages
    naive = pipelines.stage_names(pipelines.build_pipeline(shards, batch_size=8, latency_ms=0))
    assert naive == ["file names", "flat_map[TFRecords -> map(read)]", "map(parse_image_example)", "batch",
                     "map(static_shape)"]


def test_read_log_records_each_read(shards):
    log = []
    dataset = pipelines.build_pipeline(shards[:1], batch_size=8, latency_ms=1, read_log=log)
    assert sum(1 for _ in dataset) == 2 and len(log) == 16
    assert all(end - start >= 0.001 for start, end in log)


def test_pipeline_stages(shards):
    stages = pipelines.pipeline_stages(shards, batch_size=8, latency_ms=0)
    assert list(stages)[0] == "TFRecord files only" and stages["+ batch"][1] == 8
    assert sum(1 for _ in stages["+ parse"][0]) == 64


def test_op_determinism_context_restores_the_setting():
    from tensorflow.python.framework import config

    before = config.is_op_determinism_enabled()
    with pipelines.op_determinism(not before):
        assert config.is_op_determinism_enabled() == (not before)
    assert config.is_op_determinism_enabled() == before
