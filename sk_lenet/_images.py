"""Read image files (PNG, JPEG, ...) into arrays shaped like a dataset's.

Used by ``sk-lenet predict``: every file is converted to grey or RGB to match
the model's channels, resized to its height x width and returned as ``uint8``
pixels in 0..255, the convention of :mod:`sk_lenet.datasets`.  Pillow is an
optional dependency (``pip install "sk-lenet[image]"``), imported only here.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

__all__ = ["ImageFileError", "load_image_files"]


class ImageFileError(ValueError):
    """An image file is missing or cannot be decoded."""


def _pillow():
    try:
        from PIL import Image, ImageOps
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            "Reading image files needs Pillow, an optional dependency: "
            'pip install "sk-lenet[image]"'
        ) from None
    return Image, ImageOps


def load_image_files(
    paths: Sequence[str | os.PathLike],
    image_shape: tuple[int, int, int],
    *,
    invert: bool = False,
) -> np.ndarray:
    """Load image files as a ``uint8`` batch of shape ``(n, h, w, c)``.

    Parameters
    ----------
    paths : sequence of str or path-like
        Image files in any format Pillow reads (PNG, JPEG, BMP, GIF, ...).
    image_shape : tuple of int
        ``(height, width, channels)`` of the model's input; ``channels`` is 1
        (converted to grey levels) or 3 (converted to RGB).
    invert : bool, default=False
        Replace every pixel ``v`` by ``255 - v``.  MNIST and the bundled
        digits are white strokes on a black background: use this for dark
        digits drawn or scanned on white paper.

    Returns
    -------
    ndarray of uint8, shape (n, height, width, channels)
        The images, resized (Lanczos) to ``height x width`` without keeping
        the aspect ratio, pixels 0..255.

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
    Image, ImageOps = _pillow()
    height, width, channels = (int(d) for d in image_shape)
    if channels not in (1, 3):
        raise ValueError(f"image_shape must have 1 or 3 channels; got {image_shape}.")
    mode = "L" if channels == 1 else "RGB"
    out = np.empty((len(paths), height, width, channels), dtype=np.uint8)
    for i, path in enumerate(paths):
        if not os.path.isfile(path):
            raise ImageFileError(f"image file not found: {os.fspath(path)}")
        try:
            with Image.open(path) as img:
                img = ImageOps.exif_transpose(img)
                if img.mode in ("RGBA", "LA", "P") and "transparency" in img.info:
                    img = img.convert("RGBA")
                if img.mode in ("RGBA", "LA"):
                    # transparent pixels become the background: black, as MNIST
                    canvas = Image.new("RGBA", img.size, (0, 0, 0, 255))
                    img = Image.alpha_composite(canvas, img.convert("RGBA"))
                img = img.convert(mode).resize((width, height), Image.LANCZOS)
                pixels = np.asarray(img, dtype=np.uint8)
        except (OSError, SyntaxError, ValueError) as exc:
            raise ImageFileError(
                f"cannot read {os.fspath(path)} as an image ({exc}); use a PNG "
                "or JPEG file"
            ) from None
        out[i] = pixels.reshape(height, width, channels)
    if invert:
        out = 255 - out
    return out
