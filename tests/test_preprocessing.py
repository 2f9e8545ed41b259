"""The reshape and scaling transformers."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from sk_lenet import ImageReshaper, PixelScaler
from sk_lenet.preprocessing import infer_image_shape, resolve_image_shape


def test_cifar_planar_rows_become_channels_last():
    # One OpenML CIFAR_10 row: 1024 red, 1024 green, 1024 blue, each row-major.
    row = np.zeros((1, 3072), dtype=np.uint8)
    r, c = 5, 17
    row[0, 0 * 1024 + r * 32 + c] = 200  # red
    row[0, 1 * 1024 + r * 32 + c] = 100  # green
    row[0, 2 * 1024 + r * 32 + c] = 50  # blue
    image = ImageReshaper(data_format="channels_first").fit_transform(row)
    assert image.shape == (1, 32, 32, 3)
    assert image[0, r, c].tolist() == [200, 100, 50]
    assert image.sum() == 350


def test_interleaved_rows_are_plain_reshape():
    images = np.random.default_rng(0).integers(0, 255, (4, 32, 32, 3))
    out = ImageReshaper().fit_transform(images.reshape(4, -1))
    np.testing.assert_array_equal(out, images)


@pytest.mark.parametrize(
    ("n", "shape"), [(784, (28, 28, 1)), (3072, (32, 32, 3)), (64, (8, 8, 1))]
)
def test_infer_image_shape(n, shape):
    assert infer_image_shape(n) == shape


def test_resolve_image_shape():
    assert resolve_image_shape((28, 28), 784) == (28, 28, 1)
    assert resolve_image_shape((-1, 28, 1), 784) == (28, 28, 1)
    with pytest.raises(ValueError, match="at most one -1"):
        resolve_image_shape((-1, -1, 1), 784)
    with pytest.raises(ValueError, match="Cannot infer"):
        infer_image_shape(10)


def test_reshaper_rejects_other_widths():
    reshaper = ImageReshaper().fit(np.zeros((2, 784)))
    with pytest.raises(ValueError, match="X has 783 features"):
        reshaper.transform(np.zeros((2, 783)))


def test_pixel_scaler():
    X = np.array([[0, 128, 255]], dtype=np.uint8)
    out = PixelScaler().fit_transform(X)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[0, 128 / 255, 1]])
    images = PixelScaler(max_value=16).fit_transform(np.full((2, 8, 8, 1), 16))
    assert images.shape == (2, 8, 8, 1) and images.max() == 1.0


def test_transformers_pickle():
    for est in (ImageReshaper(data_format="channels_first"), PixelScaler(10)):
        fitted = est.fit(np.ones((2, 3072)))
        again = pickle.loads(pickle.dumps(fitted))
        np.testing.assert_array_equal(
            again.transform(np.ones((2, 3072))), fitted.transform(np.ones((2, 3072)))
        )
