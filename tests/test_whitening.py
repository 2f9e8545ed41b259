"""_whitening: the patch-whitening convolution's weights from the data."""

from __future__ import annotations

import keras
import numpy as np

from sk_lenet import _whitening


def correlated_images(n: int = 40, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(0, 1, (n, 6, 6, 3)) @ np.array(
        [[1.0, 0.7, 0.5], [0.0, 0.5, 0.3], [0.0, 0.0, 0.2]]
    )
    images = coarse.repeat(2, axis=1).repeat(2, axis=2)
    return (images + rng.normal(0, 0.05, images.shape)).astype(np.float32)


def test_patches_are_in_the_kernels_order():
    images = correlated_images(3)
    kernel = np.random.default_rng(1).normal(size=(2, 2, 3, 5)).astype(np.float32)
    conv = keras.layers.Conv2D(5, 2, use_bias=False)
    conv.build((None, 12, 12, 3))
    conv.set_weights([kernel])
    expected = keras.ops.convert_to_numpy(conv(images)).reshape(-1, 5)
    flat = _whitening.patches(images, 2) @ kernel.reshape(-1, 5)
    np.testing.assert_allclose(flat, expected, rtol=1e-4, atol=1e-5)


def test_weights_whiten_the_patches():
    images = correlated_images()
    kernel, bias = _whitening.whitening_weights(images, 2, eps=0)
    assert kernel.shape == (2, 2, 3, 24) and bias.shape == (24,)
    out = _whitening.patches(images, 2) @ kernel.reshape(12, 24) + bias
    np.testing.assert_allclose(out[:, 12:], -out[:, :12], atol=1e-4)
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-3)
    cov = out[:, :12].T @ out[:, :12] / len(out)
    np.testing.assert_allclose(cov, np.eye(12), atol=1e-3)


def test_eigenvectors_come_largest_first_and_eps_damps_the_smallest():
    images = correlated_images()
    exact, _ = _whitening.whitening_weights(images, 2, eps=0)
    damped, _ = _whitening.whitening_weights(images, 2)
    norms = np.linalg.norm(exact.reshape(12, 24)[:, :12], axis=0)
    assert np.all(np.diff(norms) > 0)  # 1/sqrt(eigenvalue): smallest last
    ratio = np.linalg.norm(damped.reshape(12, 24)[:, :12], axis=0) / norms
    assert ratio[0] > 0.999 and ratio[-1] < ratio[0]


def test_constant_images_give_finite_weights():
    kernel, bias = _whitening.whitening_weights(np.ones((4, 5, 5, 1), np.float32))
    assert np.all(np.isfinite(kernel)) and np.all(np.isfinite(bias))
