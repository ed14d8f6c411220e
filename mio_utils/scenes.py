"""A generated vision dataset: coloured circles, squares and triangles, with masks, boxes and captions.

Taught in chapter 06 (segmentation and box regression); reused in chapters 09 (self-supervised
pretraining), 11 (captioning) and 15 (interpretability). It is generated, so it works offline, costs
nothing to download, and every label is exact: the mask is the very set of pixels that was painted,
and the box is the tightest box around that mask.

>>> from mio_utils.scenes import make_scenes
>>> data = make_scenes(100, size=32, seed=0)          # one object per image
>>> data.images.shape, data.masks.shape, data.boxes.shape
((100, 32, 32, 3), (100, 32, 32), (100, 1, 4))
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SHAPE_NAMES = ("circle", "square", "triangle")
COLOR_NAMES = ("red", "green", "blue", "yellow", "magenta", "cyan")
_PALETTE = np.array(
    [[220, 50, 40], [50, 190, 60], [50, 90, 230], [230, 210, 40], [210, 60, 200], [40, 200, 210]],
    dtype=np.float64,
)


@dataclass
class Scenes:
    """One batch of generated scenes. ``n`` images, ``k`` objects per image.

    - ``images``: uint8 ``(n, size, size, 3)``, values 0-255 (the same layout as ``mio.load``'s images).
    - ``masks``: uint8 ``(n, size, size)``, the class of each pixel: 0 background, 1 circle, 2 square,
      3 triangle (that is, ``labels + 1``). ``masks > 0`` is the binary object mask.
    - ``boxes``: float32 ``(n, k, 4)``, ``(x_min, y_min, x_max, y_max)`` in pixels. Pixel ``(row, col)``
      covers ``[col, col + 1) x [row, row + 1)``, so a box's width is ``x_max - x_min`` with no ``+ 1``.
      Divide by ``size`` for coordinates in [0, 1].
    - ``labels``: int64 ``(n, k)``, the shape of each object (index into ``class_names``).
    - ``colors``: int64 ``(n, k)``, the colour of each object (index into ``color_names``).
    Objects never overlap, and are listed left to right. Used in chapter 06 through :func:`make_scenes`.
    """

    images: np.ndarray
    masks: np.ndarray
    boxes: np.ndarray
    labels: np.ndarray
    colors: np.ndarray
    size: int
    seed: int
    class_names: tuple = SHAPE_NAMES
    color_names: tuple = COLOR_NAMES
    mask_names: tuple = field(default=("background",) + SHAPE_NAMES)

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index) -> Scenes:
        """A subset, e.g. ``data[:100]`` or ``data[idx]``, still a :class:`Scenes`."""
        if isinstance(index, (int, np.integer)):
            index = slice(index, index + 1 if index != -1 else None)
        return Scenes(self.images[index], self.masks[index], self.boxes[index], self.labels[index],
                      self.colors[index], self.size, self.seed, self.class_names, self.color_names,
                      self.mask_names)

    def __repr__(self) -> str:
        return (f"Scenes: {len(self)} images {self.size}x{self.size}x3 uint8, "
                f"{self.labels.shape[1]} object(s) each; masks {self.masks.dtype}{list(self.masks.shape)} "
                f"(0 = background, 1-3 = {', '.join(self.class_names)}); "
                f"boxes {self.boxes.dtype}{list(self.boxes.shape)} (x_min, y_min, x_max, y_max) in pixels")

    def captions(self) -> list[str]:
        """One English caption per image, e.g. ``'a red circle left of a blue square'``.

        One object: ``'a red circle'``. Two: ``'A left of B'`` or ``'A above B'``, whichever separation
        is larger. Three or more: listed left to right, ``'a red circle, a blue square and a green
        triangle'``. Taught in chapter 06 (as the scenes' titles).
        """
        out = []
        for labels, colors, boxes in zip(self.labels, self.colors, self.boxes):
            names = [f"a {self.color_names[c]} {self.class_names[s]}" for s, c in zip(labels, colors)]
            if len(names) == 1:
                out.append(names[0])
            elif len(names) == 2:
                centres = (boxes[:, :2] + boxes[:, 2:]) / 2
                dx, dy = centres[1] - centres[0]
                if abs(dy) > abs(dx):
                    first, second = (0, 1) if dy > 0 else (1, 0)
                    out.append(f"{names[first]} above {names[second]}")
                else:
                    out.append(f"{names[0]} left of {names[1]}")
            else:
                out.append(", ".join(names[:-1]) + f" and {names[-1]}")
        return out


def _paint(shape: int, cx: float, cy: float, r: float, y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The boolean mask of one shape centred at (cx, cy) with 'radius' r, tested at pixel centres y, x."""
    if shape == 0:  # circle
        return (x - cx) ** 2 + (y - cy) ** 2 <= r ** 2
    if shape == 1:  # axis-aligned square of side 2r * 0.85 (about the circle's area)
        half = 0.85 * r
        return (np.abs(x - cx) <= half) & (np.abs(y - cy) <= half)
    # upward triangle: apex (cx, cy - r), base from (cx - r, cy + r) to (cx + r, cy + r)
    below_apex_sides = np.abs(x - cx) <= (y - (cy - r)) / 2
    return below_apex_sides & (y <= cy + r)


def make_scenes(n: int, size: int = 32, seed: int = 0, objects: int = 1, noise: float = 12.0,
                min_radius: float | None = None, max_radius: float | None = None) -> Scenes:
    """Generate ``n`` scenes of ``objects`` non-overlapping coloured shapes on a noisy background.

    Deterministic: the same arguments always give the same arrays, on any machine. Use different seeds
    for training and test sets (``make_scenes(2000, seed=0)``, ``make_scenes(500, seed=1)``).
    ``noise`` is the standard deviation of Gaussian pixel noise (0-255 scale); the background is a random
    dark grey per image and each object's colour is jittered, so a model cannot segment by one threshold.
    Radii default to ``size * 0.12`` .. ``size * 0.3`` for one object, smaller for more.
    Returns a :class:`Scenes`. Taught in chapter 06.
    """
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive number of images; got {n!r}.")
    if not isinstance(size, (int, np.integer)) or size < 12:
        raise ValueError(f"size must be an integer of at least 12 pixels; got {size!r}.")
    if not isinstance(objects, (int, np.integer)) or not 1 <= objects <= 4:
        raise ValueError(f"objects must be 1, 2, 3 or 4 per image; got {objects!r}.")
    if noise < 0:
        raise ValueError(f"noise is a standard deviation and cannot be negative; got {noise}.")
    crowd = np.sqrt(objects)
    min_radius = size * 0.12 / crowd if min_radius is None else min_radius
    max_radius = size * 0.3 / crowd if max_radius is None else max_radius
    if not 1.5 <= min_radius <= max_radius <= size / 2 - 1:
        raise ValueError(f"need 1.5 <= min_radius <= max_radius <= size/2 - 1 = {size / 2 - 1}; "
                         f"got {min_radius}, {max_radius}.")

    rng = np.random.default_rng(seed)
    images = np.empty((n, size, size, 3), np.uint8)
    masks = np.zeros((n, size, size), np.uint8)
    boxes = np.empty((n, objects, 4), np.float32)
    labels = rng.integers(0, len(SHAPE_NAMES), (n, objects))
    colors = rng.integers(0, len(COLOR_NAMES), (n, objects))
    y, x = np.mgrid[0:size, 0:size] + 0.5  # pixel centres
    for i in range(n):
        canvas = np.full((size, size, 3), rng.uniform(20, 90), np.float32)
        placed = []  # (box, mask) of objects already in this scene
        for _ in range(objects):
            for _attempt in range(100):
                r = rng.uniform(min_radius, max_radius)
                cx, cy = rng.uniform(r + 0.5, size - r - 0.5, 2)
                mask = _paint(labels[i, len(placed)], cx, cy, r, y, x)
                rows, cols = np.nonzero(mask)
                box = np.array([cols.min(), rows.min(), cols.max() + 1, rows.max() + 1], np.float32)
                # keep at least one pixel of background between objects' boxes
                if all(box[0] > b[2] or box[2] < b[0] or box[1] > b[3] or box[3] < b[1] for b, _ in placed):
                    placed.append((box, mask))
                    break
            else:
                raise ValueError(f"could not place {objects} objects of radius >= {min_radius:.1f} "
                                 f"in a {size}x{size} image; use fewer objects or a larger size.")
        order = np.argsort([b[0] for b, _ in placed], kind="stable")  # left to right
        labels[i], colors[i] = labels[i][order], colors[i][order]
        for j, k in enumerate(order):
            box, mask = placed[k]
            boxes[i, j] = box
            colour = np.clip(_PALETTE[colors[i, j]] + rng.normal(0, 15, 3), 0, 255)
            canvas[mask] = colour
            masks[i][mask] = labels[i, j] + 1
        canvas += rng.normal(0, noise, canvas.shape).astype(np.float32)
        images[i] = np.clip(np.round(canvas), 0, 255).astype(np.uint8)
    return Scenes(images, masks, boxes, labels.astype(np.int64), colors.astype(np.int64), int(size), int(seed))


def show_scenes(images, masks=None, boxes=None, pred_boxes=None, titles=None, ncols: int = 8,
                size: float = 1.4, title: str | None = None):
    """A grid of scenes: each image, optionally its mask beneath it, true boxes (green, solid) and
    predicted boxes (orange, dashed). Boxes are ``(n, 4)`` or ``(n, k, 4)`` in pixels. Returns the Figure.

    Taught in chapter 06.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"show_scenes expects images shaped (n, h, w, c); got {images.shape}.")
    n = len(images)
    ncols = min(ncols, n)
    rows_per = 2 if masks is not None else 1
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows * rows_per, ncols, figsize=(size * ncols, size * nrows * rows_per * 1.1),
                             squeeze=False)
    for ax in axes.flat:
        ax.axis("off")

    def as_3d(b):
        return None if b is None else np.asarray(b).reshape(n, -1, 4)

    boxes, pred_boxes = as_3d(boxes), as_3d(pred_boxes)
    for i in range(n):
        ax = axes[(i // ncols) * rows_per, i % ncols]
        ax.imshow(images[i].squeeze(), cmap="gray" if images.shape[-1] == 1 else None)
        for group, style in ((boxes, dict(edgecolor="lime", linestyle="-")),
                             (pred_boxes, dict(edgecolor="orange", linestyle="--"))):
            if group is None:
                continue
            for x0, y0, x1, y1 in group[i]:  # pixel (r, c) is drawn centred on (c, r): shift by 0.5
                ax.add_patch(Rectangle((x0 - 0.5, y0 - 0.5), x1 - x0, y1 - y0, fill=False, linewidth=1.5, **style))
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=8)
        if masks is not None:
            axes[(i // ncols) * rows_per + 1, i % ncols].imshow(np.asarray(masks[i]), cmap="tab10", vmin=0, vmax=9,
                                                               interpolation="nearest")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
