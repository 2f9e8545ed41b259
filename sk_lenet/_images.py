"""Images (files, or bytes a web page sent) prepared as a model's input.

The one home of image preparation, used by ``sk-lenet predict`` and
``sk-lenet serve``.  A grey-level model (a digit reader) gets the drawing
prepared the way MNIST's digits were:

1. the polarity is found from the image's border (dark ink on light paper is
   inverted, so that the ink is bright on black, as in MNIST), unless the
   caller forces it;
2. the paper is removed: an uneven background (a photo's shading) is
   estimated cell by cell and subtracted, faint noise cut, the ink stretched
   to full brightness;
3. the bounding box of the ink is scaled into a 20x20 box keeping its aspect
   ratio, anti-aliased (Lanczos), and placed in a 28x28 field so that its
   centre of mass is the centre of the field;
4. the result is adapted to the model's own input: kept as it is for 28x28,
   laid out as scikit-learn's 8x8 digits were for an 8x8 model (the ink's box
   filling 32x32, counted in 4x4 blocks on a 0..16 scale), resized otherwise.

A colour model (CIFAR-10) gets its photo resized, nothing more.  Pixels come
back as ``uint8`` in 0..255, the convention of :mod:`sk_lenet.datasets`.
Pillow is an optional dependency (``pip install "sk-lenet[image]"``),
imported only here.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence

import numpy as np

__all__ = [
    "ImageFileError",
    "dark_ink",
    "load_image_files",
    "prepare_digit",
    "prepare_image",
    "read_image_bytes",
]

#: MNIST's layout: the ink's box fits FIT x FIT, centred by mass in FIELD x FIELD.
MNIST_FIT, MNIST_FIELD = 20, 28
#: scikit-learn's digits: the ink's box fills a 32x32 bitmap counted in 4x4 blocks.
DIGITS_BITMAP, DIGITS_BLOCK, DIGITS_LEVELS = 32, 4, 16
#: Larger images are reduced to this longer side first (speed; no digit needs more).
WORK_SIDE = 512
#: Images whose shorter side is below this have a uniform background.
_UNIFORM_BELOW = 48
_FIT_SIDE = 64  # the background's surface is fitted on a copy this large


class ImageFileError(ValueError):
    """An image file or image data is missing or cannot be decoded."""


def _pillow():
    try:
        from PIL import Image, ImageOps
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            "Reading images needs Pillow, an optional dependency: "
            'pip install "sk-lenet[image]"'
        ) from None
    return Image, ImageOps


# ----------------------------------------------------------------------
# Decoding
# ----------------------------------------------------------------------
def _flatten_alpha(img):
    """An image without transparency: transparent pixels become the
    background, dark or light, the opposite of the opaque pixels."""
    Image, _ = _pillow()
    if img.mode in ("P", "PA") or "transparency" in img.info:
        img = img.convert("RGBA")
    if img.mode not in ("RGBA", "LA"):
        return img
    rgba = img.convert("RGBA")
    alpha = np.asarray(rgba.getchannel("A"), dtype=np.float32)
    grey = np.asarray(rgba.convert("L"), dtype=np.float32)
    weight = alpha.sum()
    light_ink = weight == 0 or (grey * alpha).sum() / weight >= 128
    fill = (0, 0, 0, 255) if light_ink else (255, 255, 255, 255)
    return Image.alpha_composite(Image.new("RGBA", rgba.size, fill), rgba)


def _open(source, name: str):
    """Decode ``source`` (a path or a binary file object) into a Pillow image
    without transparency, rotated per its EXIF orientation."""
    Image, ImageOps = _pillow()
    try:
        with Image.open(source) as img:
            img = ImageOps.exif_transpose(img)
            img.load()
            return _flatten_alpha(img)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageFileError(
            f"cannot read {name} as an image ({exc}); use a PNG or JPEG file"
        ) from None


# ----------------------------------------------------------------------
# The digit preparation
# ----------------------------------------------------------------------
def _resize(a: np.ndarray, width: int, height: int, method: str = "LANCZOS"):
    """Resample a float image (Lanczos and box: anti-aliased when it shrinks)."""
    Image, _ = _pillow()
    method = getattr(Image.Resampling, method)
    img = Image.fromarray(np.ascontiguousarray(a, dtype=np.float32))
    return np.asarray(img.resize((width, height), method), dtype=np.float32)


def _border(a: np.ndarray) -> np.ndarray:
    ring = max(1, round(0.03 * min(a.shape)))
    return np.concatenate(
        [
            a[:ring].ravel(),
            a[-ring:].ravel(),
            a[ring:-ring, :ring].ravel(),
            a[ring:-ring, -ring:].ravel(),
        ]
    )


def dark_ink(grey: np.ndarray) -> bool:
    """Whether the ink of a grey image is darker than its paper.

    The paper is the median of the image's border; the ink is the extreme
    (1st or 99th percentile) farther from it.
    """
    paper = float(np.median(_border(grey)))
    low, high = np.percentile(grey, (1, 99))
    return paper - low > high - paper


def _spread(values: np.ndarray) -> float:
    """The noise's standard deviation, robustly (MAD)."""
    return 1.4826 * float(np.median(np.abs(values - np.median(values))))


def _background(grey: np.ndarray) -> np.ndarray:
    """The paper's level everywhere (the ink is brighter than the paper).

    Uniform (the border's median) for a small image or one whose border is a
    single exact level (a canvas drawing); else a quadratic
    surface in x and y, the shading of a photo, fitted on a reduced copy to
    the pixels that are paper: starting from the border's level, each pass
    keeps the pixels within 3 noise deviations (the border's) above the last
    fit.  The surface stays within the levels the border shows."""
    border = _border(grey)
    paper = float(np.median(border))
    if min(grey.shape) < _UNIFORM_BELOW or np.ptp(border) == 0:
        # small, or a border of one exact level (a drawing, a digital image:
        # no photo's shading or noise)
        return np.full_like(grey, paper)
    h, w = grey.shape
    scale = _FIT_SIDE / max(h, w)
    small = _resize(grey, max(2, round(w * scale)), max(2, round(h * scale)), "BOX")
    margin = 3 * _spread(_border(small)) + 2

    def terms(height, width):
        y, x = np.meshgrid(
            np.linspace(-1, 1, height, dtype=np.float32),
            np.linspace(-1, 1, width, dtype=np.float32),
            indexing="ij",
        )
        return np.stack([np.ones_like(x), x, y, x * x, x * y, y * y], axis=-1)

    basis = terms(*small.shape)
    coef = np.array([paper, 0, 0, 0, 0, 0], dtype=np.float32)
    for _ in range(3):
        keep = small - basis @ coef < margin
        # least squares by the 6x6 normal equations (lstsq's SVD is ~20x
        # slower here); a tiny ridge keeps them solvable
        a = basis[keep].astype(np.float64)
        coef = np.linalg.solve(a.T @ a + 1e-6 * np.eye(6), a.T @ small[keep])
    low, high = np.percentile(border, (1, 99))
    return np.clip(terms(h, w) @ coef.astype(np.float32), low - margin, high + margin)


def _ink(grey: np.ndarray, invert: bool | None) -> np.ndarray:
    """Bright ink on a zero background, scaled to 0..1."""
    if invert is None:
        invert = dark_ink(grey)
    if invert:
        grey = 255.0 - grey
    ink = grey - _background(grey)
    peak = max(float(np.percentile(ink, 99.5)), 0.5 * float(ink.max()))
    if peak < 8:  # no ink: a blank page
        return np.zeros_like(ink)
    ink = ink / peak
    cut = min(max(4 * _spread(_border(ink)), 0.05), 0.35)  # above the noise
    return np.clip((ink - cut) / (1 - cut), 0, 1)


def _ink_box(ink: np.ndarray) -> tuple[slice, slice] | None:
    """The bounding box of the ink.  In a large image (a photo, a scan)
    specks are dropped first: the connected pieces holding under 2% of the
    ink (dust, grain), set to 0 in place."""
    if min(ink.shape) >= _UNIFORM_BELOW:
        from scipy.ndimage import label, sum_labels

        pieces, n = label(ink > 0, structure=np.ones((3, 3)))
        mass = sum_labels(ink, pieces, index=np.arange(1, n + 1))
        specks = np.flatnonzero(mass < 0.02 * mass.sum()) + 1
        ink[np.isin(pieces, specks)] = 0
    rows, cols = np.nonzero(ink)
    if not len(rows):
        return None
    return slice(rows.min(), rows.max() + 1), slice(cols.min(), cols.max() + 1)


def _fit(crop: np.ndarray, size: int, method: str = "LANCZOS") -> np.ndarray:
    """Scale so the longer side is ``size``, keeping the aspect ratio."""
    h, w = crop.shape
    scale = size / max(h, w)
    height, width = max(1, round(h * scale)), max(1, round(w * scale))
    return np.clip(_resize(crop, width, height, method), 0, 1)


def _mnist_layout(crop: np.ndarray) -> np.ndarray:
    """MNIST's layout: into 20x20, centred by centre of mass in 28x28."""
    box = _fit(crop, MNIST_FIT)
    h, w = box.shape
    mass = box.sum()
    rows, cols = np.indices(box.shape)
    cy = (rows * box).sum() / mass if mass else h / 2
    cx = (cols * box).sum() / mass if mass else w / 2
    centre = MNIST_FIELD / 2
    top = int(np.clip(round(centre - cy), 0, MNIST_FIELD - h))
    left = int(np.clip(round(centre - cx), 0, MNIST_FIELD - w))
    field = np.zeros((MNIST_FIELD, MNIST_FIELD), dtype=np.float32)
    field[top : top + h, left : left + w] = box
    return field


def _digits_layout(crop: np.ndarray) -> np.ndarray:
    """scikit-learn's digits: the box fills 32x32 (centred), 4x4 block means
    on the 0..16 scale."""
    # box: area averages when shrinking, no blur when growing (a small
    # image's pixels stay whole blocks)
    box = _fit(crop, DIGITS_BITMAP, "BOX")
    h, w = box.shape
    bitmap = np.zeros((DIGITS_BITMAP, DIGITS_BITMAP), dtype=np.float32)
    top, left = (DIGITS_BITMAP - h) // 2, (DIGITS_BITMAP - w) // 2
    bitmap[top : top + h, left : left + w] = box
    n = DIGITS_BITMAP // DIGITS_BLOCK
    blocks = bitmap.reshape(n, DIGITS_BLOCK, n, DIGITS_BLOCK).mean(axis=(1, 3))
    return np.round(blocks * DIGITS_LEVELS) / DIGITS_LEVELS


def prepare_digit(
    grey: np.ndarray, image_shape: tuple[int, int, int], *, invert: bool | None = None
) -> np.ndarray:
    """Prepare a grey image of a digit as MNIST's digits were, for a model.

    Parameters
    ----------
    grey : ndarray of shape (height, width)
        Grey levels 0..255, any size, either polarity.
    image_shape : tuple of int
        ``(height, width, 1)`` of the model's input: 28x28 gets MNIST's
        layout, 8x8 scikit-learn's digits' layout, other sizes MNIST's layout
        resized.
    invert : bool or None, default=None
        ``None`` finds the polarity from the border; ``True`` treats the
        image as dark ink on light paper, ``False`` as light ink on dark.

    Returns
    -------
    ndarray of uint8, shape image_shape
        Bright ink on black, 0..255.

    Examples
    --------
    >>> import numpy as np
    >>> page = np.full((120, 90), 230.0)  # white paper
    >>> page[20:100, 40:52] = 20.0  # a dark "1", off-centre
    >>> digit = prepare_digit(page, (28, 28, 1))
    >>> digit.shape, digit[14, 14, 0], digit[0, 0, 0], digit[4:24, 4:24].max()
    ((28, 28, 1), np.uint8(255), np.uint8(0), np.uint8(255))
    """
    height, width, _ = (int(d) for d in image_shape)
    grey = np.asarray(grey, dtype=np.float32)
    longest = max(grey.shape)
    if longest > WORK_SIDE:
        scale = WORK_SIDE / longest
        grey = _resize(
            grey,
            max(1, round(grey.shape[1] * scale)),
            max(1, round(grey.shape[0] * scale)),
        )
    ink = _ink(grey, invert)
    box = _ink_box(ink)
    if box is None:
        out = np.zeros((height, width), dtype=np.float32)
    elif (height, width) == (DIGITS_BITMAP // DIGITS_BLOCK,) * 2:
        out = _digits_layout(ink[box])
    else:
        out = _mnist_layout(ink[box])
        if (height, width) != (MNIST_FIELD, MNIST_FIELD):
            out = np.clip(_resize(out, width, height), 0, 1)
    return np.round(out * 255).astype(np.uint8).reshape(height, width, 1)


def prepare_image(
    img, image_shape: tuple[int, int, int], *, invert: bool | None = None
) -> np.ndarray:
    """Prepare a decoded Pillow image as the model's input.

    Parameters
    ----------
    img : PIL.Image.Image
        The image, without transparency.
    image_shape : tuple of int
        ``(height, width, channels)`` of the model's input.  One channel: a
        digit, prepared by :func:`prepare_digit`.  Three: a photo, converted
        to RGB and resized (Lanczos) to ``height x width``.
    invert : bool or None, default=None
        One channel: as :func:`prepare_digit`.  Three channels: ``True``
        replaces every pixel ``v`` by ``255 - v``; ``None`` and ``False``
        keep the photo as it is.

    Returns
    -------
    ndarray of uint8, shape image_shape
    """
    Image, _ = _pillow()
    height, width, channels = (int(d) for d in image_shape)
    if channels == 1:
        grey = np.asarray(img.convert("L"), dtype=np.float32)
        return prepare_digit(grey, image_shape, invert=invert)
    if channels != 3:
        raise ValueError(f"image_shape must have 1 or 3 channels; got {image_shape}.")
    pixels = np.asarray(img.convert("RGB").resize((width, height), Image.LANCZOS))
    return 255 - pixels if invert else pixels.copy()


def _check_shape(image_shape) -> tuple[int, int, int]:
    shape = tuple(int(d) for d in image_shape)
    if len(shape) != 3 or shape[2] not in (1, 3):
        raise ValueError(f"image_shape must have 1 or 3 channels; got {image_shape}.")
    return shape


# ----------------------------------------------------------------------
# Public entry points: files and bytes
# ----------------------------------------------------------------------
def load_image_files(
    paths: Sequence[str | os.PathLike],
    image_shape: tuple[int, int, int],
    *,
    invert: bool | None = None,
) -> np.ndarray:
    """Load image files as a ``uint8`` batch of shape ``(n, h, w, c)``.

    Parameters
    ----------
    paths : sequence of str or path-like
        Image files in any format Pillow reads (PNG, JPEG, BMP, GIF, ...).
    image_shape : tuple of int
        ``(height, width, channels)`` of the model's input.  One channel:
        each image is a digit, prepared as MNIST's were
        (:func:`prepare_digit`); three: a photo, resized.
    invert : bool or None, default=None
        ``None``: the polarity of a digit is found from the image's border.
        ``True``: dark ink on light paper (a colour photo is inverted,
        ``255 - v``); ``False``: light ink on dark.

    Returns
    -------
    ndarray of uint8, shape (n, height, width, channels)
        The prepared images, pixels 0..255.

    Raises
    ------
    ImageFileError
        If a file does not exist or is not an image Pillow can read.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from PIL import Image
    >>> path = os.path.join(tempfile.mkdtemp(), "seven.png")
    >>> Image.fromarray(np.zeros((40, 30), dtype=np.uint8)).save(path)
    >>> load_image_files([path], (28, 28, 1)).shape
    (1, 28, 28, 1)
    """
    shape = _check_shape(image_shape)
    out = np.empty((len(paths), *shape), dtype=np.uint8)
    for i, path in enumerate(paths):
        name = os.fspath(path)
        if not os.path.isfile(name):
            raise ImageFileError(f"image file not found: {name}")
        out[i] = prepare_image(_open(name, name), shape, invert=invert)
    return out


def read_image_bytes(
    data: bytes,
    image_shape: tuple[int, int, int],
    *,
    invert: bool | None = None,
    max_pixels: int = 25_000_000,
) -> np.ndarray:
    """Decode image bytes (PNG, JPEG, ...) prepared as the model's input.

    Parameters
    ----------
    data : bytes
        The encoded image.
    image_shape : tuple of int
        ``(height, width, channels)`` of the model's input.
    invert : bool or None, default=None
        As :func:`load_image_files`.
    max_pixels : int, default=25_000_000
        Larger images are refused before they are decoded.

    Returns
    -------
    ndarray of uint8, shape image_shape

    Raises
    ------
    ImageFileError
        If ``data`` is not an image Pillow can read, or is too large.
    """
    Image, _ = _pillow()
    shape = _check_shape(image_shape)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            width, height = probe.size
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageFileError(
            f"cannot read the data as an image ({exc}); send a PNG or JPEG image"
        ) from None
    if width * height > max_pixels:
        raise ImageFileError(
            f"the image is {width}x{height} pixels, over the limit of "
            f"{max_pixels} pixels; send a smaller image"
        )
    return prepare_image(_open(io.BytesIO(data), "the data"), shape, invert=invert)
