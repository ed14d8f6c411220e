"""The generated scenes dataset: deterministic, exact labels, clear errors."""
import numpy as np
import pytest

from mio_utils.scenes import SHAPE_NAMES, Scenes, make_scenes, show_scenes


@pytest.fixture(scope="module")
def scenes():
    return make_scenes(60, size=32, seed=3)


def test_layout_and_dtypes(scenes):
    assert isinstance(scenes, Scenes) and len(scenes) == 60
    assert scenes.images.shape == (60, 32, 32, 3) and scenes.images.dtype == np.uint8
    assert scenes.masks.shape == (60, 32, 32) and scenes.masks.dtype == np.uint8
    assert scenes.boxes.shape == (60, 1, 4) and scenes.boxes.dtype == np.float32
    assert scenes.labels.shape == scenes.colors.shape == (60, 1)
    assert set(np.unique(scenes.labels)) <= set(range(len(SHAPE_NAMES)))
    assert "60 images 32x32x3" in repr(scenes)


def test_deterministic_and_seed_dependent():
    a, b, c = make_scenes(10, seed=7), make_scenes(10, seed=7), make_scenes(10, seed=8)
    for field in ("images", "masks", "boxes", "labels", "colors"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert not np.array_equal(a.images, c.images)


def test_mask_matches_label_and_box_is_tight(scenes):
    for mask, labels, boxes in zip(scenes.masks, scenes.labels, scenes.boxes):
        assert set(np.unique(mask)) == {0, labels[0] + 1}
        rows, cols = np.nonzero(mask)
        np.testing.assert_array_equal(boxes[0], [cols.min(), rows.min(), cols.max() + 1, rows.max() + 1])


def test_several_objects_do_not_overlap_and_run_left_to_right():
    scenes = make_scenes(30, size=48, seed=1, objects=3)
    assert scenes.boxes.shape == (30, 3, 4)
    for mask, labels, boxes in zip(scenes.masks, scenes.labels, scenes.boxes):
        assert np.all(np.diff(boxes[:, 0]) >= 0)
        for j, (x0, y0, x1, y1) in enumerate(boxes.astype(int)):
            inside = mask[y0:y1, x0:x1]
            assert np.all(np.isin(inside, [0, labels[j] + 1])), "another object leaks into this box"
            assert np.any(inside == labels[j] + 1)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_objects_are_visible_against_the_background(seed):
    """The object's pixels differ from the background on average (the task is learnable)."""
    scenes = make_scenes(10, size=32, seed=seed)
    for image, mask in zip(scenes.images.astype(float), scenes.masks > 0):
        assert np.abs(image[mask].mean(axis=0) - image[~mask].mean(axis=0)).max() > 30


def test_captions_and_subsets(scenes):
    caption = scenes[:1].captions()[0]
    assert caption == f"a {scenes.color_names[scenes.colors[0, 0]]} {SHAPE_NAMES[scenes.labels[0, 0]]}"
    two = make_scenes(5, size=40, seed=2, objects=2).captions()
    assert all((" left of " in c) or (" above " in c) for c in two)
    three = make_scenes(2, size=48, seed=2, objects=3).captions()
    assert all(c.count(", ") == 1 and " and " in c for c in three)
    assert len(scenes[np.array([1, 4, 5])]) == 3 and len(scenes[2]) == 1


@pytest.mark.parametrize("kwargs, says", [
    (dict(n=0), "positive number"),
    (dict(n=5, size=8), "at least 12"),
    (dict(n=5, objects=9), "objects must be"),
    (dict(n=5, noise=-1), "cannot be negative"),
    (dict(n=5, min_radius=10, max_radius=5), "min_radius"),
    (dict(n=5, size=16, objects=4, min_radius=5, max_radius=6), "could not place"),
])
def test_bad_arguments_say_what_was_expected(kwargs, says):
    with pytest.raises(ValueError, match=says):
        make_scenes(**kwargs)


def test_show_scenes_draws_boxes_and_masks(scenes):
    import matplotlib

    matplotlib.use("Agg")
    fig = show_scenes(scenes.images[:4], scenes.masks[:4], scenes.boxes[:4], scenes.boxes[:4, 0] + 1,
                      titles=scenes[:4].captions())
    assert len(fig.axes) == 8 and len(fig.axes[0].patches) == 2
    with pytest.raises(ValueError, match="n, h, w, c"):
        show_scenes(scenes.images[0])
