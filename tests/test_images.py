"""sk_lenet._images: image files read as the model's channels, size and polarity."""

from __future__ import annotations

import numpy as np
import pytest

from sk_lenet._images import ImageFileError, load_image_files
from sk_lenet.datasets import load_digits

Image = pytest.importorskip("PIL.Image")


@pytest.fixture(scope="module")
def digit():
    X, _ = load_digits(subset="test", as_images=True, return_X_y=True)
    return X[3]


def test_exact_size_grey_is_read_unchanged(digit, tmp_path):
    path = tmp_path / "d.png"
    Image.fromarray(digit[:, :, 0]).save(path)
    loaded = load_image_files([path], (8, 8, 1))
    assert loaded.dtype == np.uint8 and loaded.shape == (1, 8, 8, 1)
    np.testing.assert_array_equal(loaded[0], digit)
    np.testing.assert_array_equal(
        load_image_files([path], (8, 8, 1), invert=True)[0], 255 - digit
    )


def test_resized_and_converted_to_the_models_channels(digit, tmp_path):
    path = tmp_path / "d.png"
    Image.fromarray(digit[:, :, 0]).resize((40, 40), Image.NEAREST).save(path)
    rgb = load_image_files([path], (16, 12, 3))
    assert rgb.shape == (1, 16, 12, 3) and rgb.dtype == np.uint8
    assert (rgb[..., 0] == rgb[..., 1]).all()  # grey stays grey
    back = load_image_files([path], (8, 8, 1))
    assert np.abs(back[0].astype(int) - digit).mean() < 10  # 5x down, near exact


def test_transparent_pixels_become_black(tmp_path):
    path = tmp_path / "a.png"
    rgba = np.zeros((8, 8, 4), dtype=np.uint8)
    rgba[2:6, 3:5] = (255, 255, 255, 255)  # an opaque white stroke, rest clear
    Image.fromarray(rgba, "RGBA").save(path)
    grey = load_image_files([path], (8, 8, 1))[0, :, :, 0]
    assert (grey[2:6, 3:5] == 255).all() and grey.sum() == 255 * 8


def test_errors_name_the_file(tmp_path):
    text = tmp_path / "t.png"
    text.write_text("hello")
    with pytest.raises(ImageFileError, match=r"cannot read .*t\.png as an image"):
        load_image_files([text], (8, 8, 1))
    with pytest.raises(ImageFileError, match=r"image file not found: .*none\.png"):
        load_image_files([tmp_path / "none.png"], (8, 8, 1))
    with pytest.raises(ValueError, match="1 or 3 channels"):
        load_image_files([text], (8, 8, 2))
