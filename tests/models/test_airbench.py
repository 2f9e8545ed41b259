"""AirbenchClassifier: airbench94's network and recipe."""

from __future__ import annotations

import pickle

import keras
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline

from sk_lenet import AirbenchClassifier, ImageReshaper, PixelScaler, _whitening
from sk_lenet.models.airbench import WHITEN
from sk_lenet.recipes import RECIPES, make_recipe
from tests.models import assert_rejected

SMALL = {"widths": (4, 8, 8), "batch_size": 16, "epochs": 1, "random_state": 0}


def colour_images(n: int = 32, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Smooth 32x32 colour images (neighbouring pixels and channels
    correlated, like photographs) and two classes: bright or dark."""
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(0, 255, (n, 8, 8, 1)) * np.array([1.0, 0.8, 0.6])
    images = coarse.repeat(4, axis=1).repeat(4, axis=2)
    images = images + rng.normal(0, 8, images.shape)
    y = images.mean(axis=(1, 2, 3)) > np.median(images.mean(axis=(1, 2, 3)))
    return np.clip(images, 0, 255).astype(np.uint8), y.astype(int)


def whitening(clf) -> list:
    return [w.copy() for w in clf.model_.get_layer(WHITEN).get_weights()]


def test_network_reads_like_its_diagram():
    X, y = colour_images(4)
    model = AirbenchClassifier().initialize(X, y).model_
    kinds = [type(layer).__name__ for layer in model.layers]
    block = [
        "Conv2D", "MaxPooling2D", "BatchNormalization", "ScaledBias", "Activation",
        "Conv2D", "BatchNormalization", "ScaledBias", "Activation",
    ]  # fmt: skip
    assert kinds == [
        "InputLayer",
        "RandomFlip",
        "RandomTranslation",
        "Rescaling",
        "Conv2D",
        "Activation",
        *block * 3,
        "GlobalMaxPooling2D",
        "Rescaling",
        "Dense",
    ]
    whiten = model.get_layer(WHITEN)
    assert whiten.output.shape[1:] == (31, 31, 24)  # 2x2, no padding, 2 x 12
    assert not whiten.trainable
    convs = [layer for layer in model.layers if type(layer).__name__ == "Conv2D"]
    assert [c.filters for c in convs[1:]] == [64, 64, 256, 256, 256, 256]
    assert all(c.kernel_size == (3, 3) and not c.use_bias for c in convs[1:])
    pools = [layer for layer in model.layers if type(layer).__name__ == "MaxPooling2D"]
    assert [p.output.shape[1] for p in pools] == [15, 7, 3]
    assert model.layers[-1].units == 2


def test_widths_and_depth_shape_the_blocks():
    X, y = colour_images(4)
    model = AirbenchClassifier(widths=(8, 16, 32), depth=3).initialize(X, y).model_
    convs = [layer for layer in model.layers if type(layer).__name__ == "Conv2D"]
    assert [c.filters for c in convs[1:]] == [8] * 3 + [16] * 3 + [32] * 3


def test_defaults_are_the_airbench94_recipe():
    X, y = colour_images(4)
    clf = AirbenchClassifier().initialize(X, y)
    optimizer = clf.model_.optimizer
    assert type(optimizer) is keras.optimizers.SGD
    assert optimizer.nesterov and optimizer.momentum == 0.85
    assert optimizer.weight_decay == pytest.approx(0.009)
    assert clf.batch_size == 1024 and clf.epochs == 10
    assert clf.label_smoothing == 0.2 and clf.tta
    assert clf._drop_partial_batch  # whole batches only, as airbench94's loader
    assert (clf.augment, clf.lr_schedule) == ("airbench", "triangular")
    assert clf.model_.get_layer("augment_shift").height_factor == 2 / 32


def test_convolutions_start_as_the_identity_on_their_inputs():
    X, y = colour_images(4)
    model = AirbenchClassifier(widths=(8, 16, 16)).initialize(X, y).model_
    convs = [layer for layer in model.layers if type(layer).__name__ == "Conv2D"]
    for conv in convs[1:]:
        kernel = keras.ops.convert_to_numpy(conv.kernel)
        n_in, n_out = kernel.shape[2:]
        n = min(n_in, n_out)
        eye = np.zeros((3, 3, n_in, n))
        eye[1, 1, np.arange(n), np.arange(n)] = 1
        np.testing.assert_array_equal(kernel[..., :n], eye)
        if n_out > n:  # the other filters: random
            assert np.std(kernel[..., n:]) > 0


def test_identity_init_false_starts_glorot_uniform():
    X, y = colour_images(4)
    model = AirbenchClassifier(widths=(8, 16, 16), identity_init=False)
    model = model.initialize(X, y).model_
    convs = [layer for layer in model.layers if type(layer).__name__ == "Conv2D"]
    kernel = keras.ops.convert_to_numpy(convs[1].kernel)
    assert np.count_nonzero(kernel) == kernel.size  # no identity filters


def test_batch_norm_biases_learn_bias_scaler_times_faster():
    from sk_lenet.models.airbench import ScaledBias

    X, y = colour_images(4)
    model = AirbenchClassifier(**SMALL, bias_scaler=16.0).initialize(X, y).model_
    biases = [layer for layer in model.layers if isinstance(layer, ScaledBias)]
    norms = [
        layer for layer in model.layers if type(layer).__name__ == "BatchNormalization"
    ]
    assert len(biases) == len(norms) == 6
    assert all(not n.scale and not n.center for n in norms)
    assert {b.scale for b in biases} == {4.0}  # sqrt(16): x + 4 b
    # the output is x + 4 b: a step of lr * (4 g) on b moves it by 16 lr g
    layer = ScaledBias(4.0)
    x = keras.ops.zeros((2, 3))
    layer.build(x.shape)
    out = keras.ops.convert_to_numpy(layer(x))
    np.testing.assert_array_equal(out, 0)
    layer.bias.assign(np.ones(3, "float32"))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(x)), 4)


def test_whitening_decorrelates_the_training_patches():
    X, y = colour_images(64)
    model = AirbenchClassifier(**SMALL).initialize(X, y).model_
    whiten = model.get_layer(WHITEN)
    out = keras.ops.convert_to_numpy(
        keras.Model(model.input, whiten.output)(X, training=False)
    )
    out = out.reshape(-1, out.shape[-1])
    half = out[:, :12]  # the 12 eigenvectors; the other 12 are their negatives
    np.testing.assert_allclose(out[:, 12:], -half, rtol=1e-4, atol=1e-3)
    # float32 convolution of float32 pixels: round-off of ~1e-3 here
    np.testing.assert_allclose(half.mean(axis=0), 0, atol=1e-2)  # centred
    cov = np.cov(half, rowvar=False)
    # identity, less the eps added to the eigenvalues (which shrinks only the
    # directions of small variance: here the noise, to 0.97)
    np.testing.assert_allclose(cov - np.diag(np.diag(cov)), 0, atol=1e-2)
    assert np.all(np.diag(cov) <= 1 + 1e-2)
    assert np.all(np.diag(cov)[:3] > 0.99) and np.all(np.diag(cov) > 0.95)


def test_whitening_stays_frozen_while_training():
    X, y = colour_images()
    clf = AirbenchClassifier(**SMALL)
    clf.fit(X, y)
    before = whitening(clf)
    others = [np.array(w) for w in clf.model_.trainable_weights]
    clf.set_params(warm_start=True).fit(X, y)
    for a, b in zip(before, whitening(clf), strict=True):
        np.testing.assert_array_equal(a, b)
    assert any(
        not np.array_equal(a, b)
        for a, b in zip(others, clf.model_.trainable_weights, strict=True)
    )


def test_warm_start_and_partial_fit_do_not_rewhiten():
    X, y = colour_images(seed=0)
    other = (255 - X // 2, y)  # different statistics: another whitening
    clf = AirbenchClassifier(**SMALL).fit(X, y)
    first = whitening(clf)
    assert not np.allclose(
        first[0], _whitening.whitening_weights(other[0] * clf.pixel_scale_)[0]
    )
    clf.set_params(warm_start=True).fit(*other)
    clf.partial_fit(*other)
    for a, b in zip(first, whitening(clf), strict=True):
        np.testing.assert_array_equal(a, b)


def test_fits_images_rows_and_openml_rows_alike():
    X, y = colour_images()
    clf = AirbenchClassifier(**SMALL).fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    assert set(clf.predict(X)) <= {0, 1}
    # channels-last rows: the same network input
    np.testing.assert_allclose(clf.predict_proba(X.reshape(len(X), -1)), proba)
    # OpenML's channel-planar CIFAR_10 rows, through ImageReshaper
    planar = X.transpose(0, 3, 1, 2).reshape(len(X), -1)
    pipe = make_pipeline(
        PixelScaler(max_value=255),
        ImageReshaper(data_format="channels_first"),
        AirbenchClassifier(**SMALL),
    ).fit(planar, y)
    assert pipe[-1].image_shape_ == (32, 32, 3)
    assert pipe.predict(planar).shape == (len(X),)


def test_clone_and_pickle_keep_the_network():
    X, y = colour_images()
    clf = AirbenchClassifier(**SMALL, depth=1).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(restored.predict_proba(X), clf.predict_proba(X))
    for a, b in zip(whitening(clf), whitening(restored), strict=True):
        np.testing.assert_array_equal(a, b)
    fresh = clone(clf)
    assert fresh.get_params() == clf.get_params()
    assert not hasattr(fresh, "model_")


def test_small_grey_images_train_or_say_why_not(small_digits):
    X, X_test, y, _ = small_digits
    X, y = X[:64], y[:64]
    digits = {**SMALL, "augment": None}
    with pytest.raises(ValueError, match="tta=True"):
        AirbenchClassifier(**digits).fit(X, y)
    clf = AirbenchClassifier(**digits, tta=False).fit(X, y)
    assert clf.image_shape_ == (8, 8, 1)
    assert clf.model_.get_layer(WHITEN).filters == 8  # 2 x 4 grey pixels
    assert clf.predict(X_test).shape == (len(X_test),)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("widths", (64, 256)),
        ("widths", (64, 0, 256)),
        ("depth", 0),
        ("weight_decay", -0.1),
        ("bias_scaler", 0),
        ("identity_init", "yes"),
    ],
)
def test_rejects_bad_own_parameters(name, value):
    assert_rejected(AirbenchClassifier(**{name: value}), name)


def test_recipe_is_the_estimators_defaults():
    assert RECIPES["cifar10-airbench"].dataset == "cifar10"
    assert RECIPES["cifar10-airbench"].params == {}
    recipe = make_recipe("cifar10-airbench", random_state=0)
    assert recipe.get_params() == AirbenchClassifier(random_state=0).get_params()
