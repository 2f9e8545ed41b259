"""sk_lenet._images: images prepared as MNIST's digits were, or resized photos."""

from __future__ import annotations

import io

import numpy as np
import pytest

from sk_lenet._images import (
    ImageFileError,
    dark_ink,
    load_image_files,
    prepare_digit,
    read_image_bytes,
)
from sk_lenet.datasets import load_digits

Image = pytest.importorskip("PIL.Image")


def page(
    shape=(240, 180), paper=225.0, ink=30.0, stroke=(slice(40, 200), slice(110, 130))
):
    """A dark vertical bar (a "1") on light paper, off-centre."""
    grey = np.full(shape, paper, dtype=np.float32)
    grey[stroke] = ink
    return grey


def centre_of_mass(img):
    rows, cols = np.indices(img.shape)
    return (rows * img).sum() / img.sum(), (cols * img).sum() / img.sum()


def photo(digit, rng, canvas=(300, 400)):
    """A "photo of a digit on paper": the bright-on-black ``digit`` drawn as
    a thick dark stroke, off-centre on a larger canvas of grey paper lit
    unevenly (150..230), with noise."""
    h, w = canvas
    size = int(rng.integers(90, 150))
    big = np.asarray(
        Image.fromarray(digit).resize((size, size), Image.BICUBIC), dtype=float
    )
    ink = np.clip((big / 255 - 0.3) / 0.3, 0, 1)  # a thick, solid stroke
    rows, cols = np.mgrid[0:h, 0:w]
    img = 150 + 60 * cols / w + 20 * rows / h
    top, left = int(rng.integers(10, h - size - 10)), int(rng.integers(10, w // 2))
    window = img[top : top + size, left : left + size]
    img[top : top + size, left : left + size] = window * (1 - ink) + 40 * ink
    img += rng.normal(0, 6, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def png_bytes(array, mode=None, fmt="PNG"):
    buf = io.BytesIO()
    Image.fromarray(array, mode).save(buf, format=fmt)
    return buf.getvalue()


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(subset="test", as_images=True, return_X_y=True)
    return X[:40, :, :, 0], y[:40]


# ---------------------------------------------------------------------------
# MNIST's layout
# ---------------------------------------------------------------------------


def test_mnist_layout_box_20x20_aspect_kept_centred_by_mass():
    digit = prepare_digit(page(), (28, 28, 1))[:, :, 0]
    assert digit.shape == (28, 28) and digit.dtype == np.uint8
    rows, cols = np.nonzero(digit > 0)
    height, width = np.ptp(rows) + 1, np.ptp(cols) + 1
    assert height == 20  # the longer side fills the 20x20 box
    assert 2 <= width <= 5  # 160x20 keeps its aspect ratio: 20x2.5
    cy, cx = centre_of_mass(digit.astype(float))
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5
    assert digit.max() == 255 and digit[0].sum() == 0  # bright ink on black


def test_anti_aliased_not_binary():
    ring = np.full((300, 300), 240.0)
    rows, cols = np.indices(ring.shape)
    radius = np.hypot(rows - 150, cols - 150)
    ring[(radius > 90) & (radius < 115)] = 20.0  # a "0"
    digit = prepare_digit(ring, (28, 28, 1))
    grey_levels = np.unique(digit[(digit > 0) & (digit < 255)])
    assert len(grey_levels) > 10  # smooth edges, not a thresholded bitmap


def test_polarity_found_from_the_border():
    dark_on_light = page()
    light_on_dark = 255 - dark_on_light
    assert dark_ink(dark_on_light) and not dark_ink(light_on_dark)
    np.testing.assert_array_equal(
        prepare_digit(dark_on_light, (28, 28, 1)),
        prepare_digit(light_on_dark, (28, 28, 1)),
    )
    # forced to the wrong polarity, the ink is darker than the paper: none
    assert not prepare_digit(light_on_dark, (28, 28, 1), invert=True).any()


def test_uneven_paper_and_noise_removed():
    rng = np.random.default_rng(0)
    _, cols = np.indices((300, 400))
    paper = 120 + 100 * cols / 400 + rng.normal(0, 6, (300, 400))  # shade + grain
    img = paper.copy()
    img[60:240, 250:275] = 35.0  # the stroke, on the bright side
    digit = prepare_digit(img, (28, 28, 1))[:, :, 0]
    clean = prepare_digit(
        page((300, 400), 225, 35, np.s_[60:240, 250:275]), (28, 28, 1)
    )
    assert np.abs(digit.astype(int) - clean[:, :, 0]).mean() < 8
    assert (digit > 0).sum() < 0.15 * digit.size  # no paper left over


def test_a_speck_does_not_stretch_the_box():
    img = page()
    img[2:4, 2:4] = 30.0  # dust in a corner
    np.testing.assert_array_equal(
        prepare_digit(img, (28, 28, 1))[4:24, 4:24] > 128,
        prepare_digit(page(), (28, 28, 1))[4:24, 4:24] > 128,
    )


def test_blank_page_is_black():
    assert not prepare_digit(np.full((50, 50), 200.0), (28, 28, 1)).any()


def test_other_grey_sizes_are_mnist_resized():
    digit = prepare_digit(page(), (14, 14, 1))
    assert digit.shape == (14, 14, 1) and digit.max() > 200


def test_large_images_are_reduced_first():
    big = page((3000, 2000), stroke=np.s_[500:2500, 1400:1650])
    big, small = prepare_digit(big, (28, 28, 1)), prepare_digit(page(), (28, 28, 1))
    assert np.abs(big.astype(int) - small).mean() < 8  # resampling differences


# ---------------------------------------------------------------------------
# scikit-learn's digits' layout (8x8, 0..16)
# ---------------------------------------------------------------------------


def test_digits_layout_keeps_the_datasets_digits(digits):
    X, _ = digits
    again = np.stack([prepare_digit(x, (8, 8, 1))[:, :, 0] for x in X])
    scale = np.round(np.arange(17) * 255 / 16)  # 0..16, as 0..255
    assert np.isin(again, scale).all()
    assert np.abs(again.astype(int) - X).mean() < 12  # near the originals
    # their ink box fills the 8 rows or the 8 columns
    for img in again:
        rows, cols = np.nonzero(img)
        assert max(np.ptp(rows), np.ptp(cols)) + 1 >= 7


def test_digits_from_dark_on_white_files(digits, tmp_path):
    X, _ = digits
    paths = []
    for i, img in enumerate(X[:10]):
        path = tmp_path / f"{i}.png"
        Image.fromarray(255 - img).resize((64, 64), Image.NEAREST).save(path)
        paths.append(path)
    dark = load_image_files(paths, (8, 8, 1))
    light = np.stack([prepare_digit(x, (8, 8, 1)) for x in X[:10]])
    assert np.abs(dark.astype(int) - light).mean() < 12


# ---------------------------------------------------------------------------
# Files, bytes, transparency, colour
# ---------------------------------------------------------------------------


def test_a_drawing_keeps_its_paper_level_everywhere():
    # A border of one exact level (a canvas drawing) is a uniform paper: no
    # shading surface is fitted, and the stroke comes out as it does from a
    # small image of the same drawing (which is always uniform).
    from sk_lenet._images import _background

    grey = page((280, 280), 255, 0, np.s_[40:240, 130:150])
    np.testing.assert_array_equal(_background(255 - grey), np.zeros_like(grey))
    big = prepare_digit(grey, (28, 28, 1))[..., 0]
    small = prepare_digit(page((40, 40), 255, 0, np.s_[6:34, 19:21]), (28, 28, 1))[
        ..., 0
    ]
    assert centre_of_mass(big) == pytest.approx(centre_of_mass(small), abs=0.5)
    assert big.max() == 255


@pytest.mark.parametrize("ink", [0, 255], ids=["black ink", "white ink"])
def test_transparent_background_is_paper(ink):
    rgba = np.zeros((100, 100, 4), dtype=np.uint8)  # a canvas, clear
    rgba[20:80, 45:55] = (ink, ink, ink, 255)  # one opaque stroke
    digit = read_image_bytes(png_bytes(rgba, "RGBA"), (28, 28, 1))
    reference = prepare_digit(
        page((100, 100), 255, 0, np.s_[20:80, 45:55]), (28, 28, 1)
    )
    np.testing.assert_array_equal(digit, reference)


def test_colour_models_get_a_plain_resize():
    rgb = np.zeros((64, 48, 3), dtype=np.uint8)
    rgb[..., 0] = 200  # red
    rgb[:32, :, 2] = 90
    out = read_image_bytes(png_bytes(rgb), (32, 32, 3))
    assert out.shape == (32, 32, 3) and out.dtype == np.uint8
    assert (out[..., 0] == 200).all() and (out[:12, :, 2] == 90).all()
    assert (out[20:, :, 2] == 0).all()  # no digit preparation, no inversion
    inverted = read_image_bytes(png_bytes(rgb), (32, 32, 3), invert=True)
    np.testing.assert_array_equal(inverted, 255 - out)


def test_jpeg_and_grey_alpha_files(tmp_path):
    grey = page().astype(np.uint8)
    reference = prepare_digit(grey, (28, 28, 1)).astype(int)
    Image.fromarray(grey).convert("RGB").save(tmp_path / "a.jpg", quality=90)
    Image.fromarray(grey).convert("LA").save(tmp_path / "b.png")
    loaded = load_image_files([tmp_path / "a.jpg", tmp_path / "b.png"], (28, 28, 1))
    assert loaded.shape == (2, 28, 28, 1)
    assert np.abs(loaded.astype(int) - reference).mean(axis=(1, 2, 3)).max() < 6


def test_errors_name_the_problem(tmp_path):
    text = tmp_path / "t.png"
    text.write_text("hello")
    with pytest.raises(ImageFileError, match=r"cannot read .*t\.png as an image"):
        load_image_files([text], (8, 8, 1))
    with pytest.raises(ImageFileError, match=r"image file not found: .*none\.png"):
        load_image_files([tmp_path / "none.png"], (8, 8, 1))
    with pytest.raises(ValueError, match="1 or 3 channels"):
        load_image_files([text], (8, 8, 2))
    with pytest.raises(ImageFileError, match="cannot read the data as an image"):
        read_image_bytes(b"GIF89a broken", (28, 28, 1))
    big = png_bytes(np.zeros((100, 100), dtype=np.uint8))
    with pytest.raises(ImageFileError, match="100x100 pixels, over the limit"):
        read_image_bytes(big, (28, 28, 1), max_pixels=5000)


# ---------------------------------------------------------------------------
# Photos and the real MNIST
# ---------------------------------------------------------------------------


def test_photo_of_a_digit_matches_the_clean_digit(digits):
    X, _ = digits
    rng = np.random.default_rng(1)
    for img in X[:5]:
        shot = photo(img, rng)
        prepared = read_image_bytes(png_bytes(shot, fmt="JPEG"), (8, 8, 1))
        clean = prepare_digit(img, (8, 8, 1))
        assert np.corrcoef(prepared.ravel(), clean.ravel())[0, 1] > 0.8


@pytest.mark.real_data
def test_real_mnist_dark_on_white_prepared_back_to_mnist(real_mnist_home):
    from sk_lenet.datasets import load_dataset

    X, _ = load_dataset(
        "mnist",
        subset="test",
        data_home=real_mnist_home,
        as_images=True,
        return_X_y=True,
    )
    X = X[:300, :, :, 0]
    again = np.stack([prepare_digit(255 - x, (28, 28, 1))[:, :, 0] for x in X])
    # MNIST's own preparation, redone: within a few grey levels on average
    assert np.abs(again.astype(int) - X).mean() < 3
