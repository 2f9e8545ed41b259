"""sk_lenet.cli.data: which dataset a model takes, and rows from images."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.pipeline import Pipeline

import sk_lenet
from sk_lenet.cli import data
from sk_lenet.cli.report import CLIError


class _Fitted:
    def __init__(self, shape):
        self.image_shape_ = shape


@pytest.mark.parametrize(
    ("shape", "name"),
    [((8, 8, 1), "digits"), ((28, 28, 1), "mnist"), ((32, 32, 3), "cifar10")],
)
def test_dataset_for_guesses_by_image_shape(shape, name):
    assert data.dataset_for(_Fitted(shape)) == name
    pipe = Pipeline([("clf", _Fitted(shape))])
    assert data.dataset_for(pipe, name) == name
    assert data.model_shape(pipe) == shape


def test_dataset_for_refuses_a_mismatch():
    with pytest.raises(CLIError, match="8x8x1 images but mnist has 28x28x1"):
        data.dataset_for(_Fitted((8, 8, 1)), "mnist")
    with pytest.raises(CLIError, match="16x16x1 images, which matches no built-in"):
        data.dataset_for(_Fitted((16, 16, 1)))
    assert data.dataset_for(_Fitted((16, 16, 1)), required=False) is None


def test_images_to_rows_follows_the_pipeline_layout():
    images = np.arange(2 * 12).reshape(2, 2, 2, 3)
    for data_format in ("channels_first", "channels_last"):
        reshaper = sk_lenet.ImageReshaper((2, 2, 3), data_format).fit(np.zeros((1, 12)))
        pipe = Pipeline([("reshape", reshaper), ("clf", "passthrough")])
        rows = data.images_to_rows(pipe, images)
        assert rows.shape == (2, 12)
        np.testing.assert_array_equal(reshaper.transform(rows), images)


def test_load_subset():
    X, y = data.load_subset("digits", "test")
    assert X.shape == (450, 64) and len(y) == 450
    Xq, yq = data.load_subset("digits", "all", quick=True)
    assert len(yq) == data.QUICK_TEST and len(np.unique(yq)) == 10
    again = data.load_subset("digits", "all", quick=True)
    np.testing.assert_array_equal(again[0], Xq)  # the same sample every time
