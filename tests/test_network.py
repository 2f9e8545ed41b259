"""sk_lenet._network: input augmentation, scaling and padding, softmax head,
optimizer and learning-rate schedule, loss, mixed precision."""

from __future__ import annotations

import pickle

import keras
import numpy as np
import pytest
from sklearn.base import clone

from sk_lenet import (
    DropoutCNNClassifier,
    FeedForwardClassifier,
    LeNet5Classifier,
    LeNetClassifier,
    SimplifiedLeNetClassifier,
    _network,
)
from tests.conftest import fast


def test_learning_rate_schedule(small_digits):
    """A Keras schedule as learning_rate: copied per fit, cloned and pickled."""
    X, y = small_digits[0], small_digits[2]
    schedule = keras.optimizers.schedules.CosineDecay(0.05, decay_steps=20)
    clf = fast(LeNet5Classifier, optimizer="adam", learning_rate=schedule).fit(X, y)
    used = clf.model_.optimizer._learning_rate
    assert isinstance(used, keras.optimizers.schedules.CosineDecay)
    assert used is not schedule and used.get_config() == schedule.get_config()
    # The schedule ran: the step size after fitting is the decayed one.
    steps = int(clf.model_.optimizer.iterations)
    assert steps > 0
    np.testing.assert_allclose(
        float(clf.model_.optimizer.learning_rate), float(schedule(steps)), rtol=1e-5
    )
    assert clone(clf).get_params()["learning_rate"].get_config() == (
        schedule.get_config()
    )
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(again.predict_proba(X), clf.predict_proba(X))


def test_lenet5_paper_padding_and_small_images():
    X = np.zeros((10, 784), dtype=np.uint8)
    y = np.arange(10)
    paper = LeNet5Classifier(zero_padding=2).initialize(X, y).model_
    first_conv = next(layer for layer in paper.layers if "conv" in layer.name)
    assert first_conv.output.shape[1:3] == (28, 28)  # 32x32 in, as in 1998
    digits8 = LeNet5Classifier().initialize(np.zeros((10, 64)), y).model_
    assert digits8.get_layer("pad_to_minimum_size").output.shape[1:3] == (16, 16)


@pytest.mark.filterwarnings("ignore:dtype_policy='mixed_bfloat16' on a CPU")
@pytest.mark.parametrize(
    "policy, compute", [("mixed_bfloat16", "bfloat16"), ("mixed_float16", "float16")]
)
def test_mixed_precision_is_opt_in(digits, policy, compute):
    X, X_test, y, y_test = digits
    params = {"filters": (6, 16), "optimizer": "adam", "learning_rate": 3e-3}
    default = fast(LeNetClassifier, **params).fit(X, y)
    assert {layer.compute_dtype for layer in default.model_.layers} == {"float32"}
    clf = fast(LeNetClassifier, **params, dtype_policy=policy).fit(X, y)
    hidden, output = clf.model_.layers[1:-1], clf.model_.layers[-1]
    assert {layer.compute_dtype for layer in hidden} == {compute}
    assert {w.dtype for w in clf.model_.weights} == {"float32"}
    assert output.compute_dtype == "float32"
    assert isinstance(clf.model_.optimizer, keras.optimizers.LossScaleOptimizer) == (
        policy == "mixed_float16"
    )
    # Both the eager (< 2048 images) and the traced predict paths.
    many = np.concatenate([X_test] * (2048 // len(X_test) + 1))
    for images in (X_test, many):
        proba = clf.predict_proba(images)
        assert proba.dtype == np.float32
        np.testing.assert_allclose(proba.sum(axis=1), 1, atol=1e-5)
    # Same network, lower precision: it learns about as well as float32.
    assert clf.score(X_test, y_test) > 0.5
    assert abs(clf.score(X_test, y_test) - default.score(X_test, y_test)) < 0.1


@pytest.mark.filterwarnings("ignore:dtype_policy='mixed_bfloat16' on a CPU")
@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"])
def test_mixed_precision_tiny_eager_fit_pickles(small_digits, policy):
    X, X_test, y, _ = small_digits
    clf = fast(LeNet5Classifier, batch_size=100, dtype_policy=policy).fit(X, y)
    assert clf.model_.run_eagerly  # 3 steps: the eager training path
    back = pickle.loads(pickle.dumps(clf))
    assert back.model_.layers[1].compute_dtype == clf.model_.layers[1].compute_dtype
    assert np.array_equal(back.predict_proba(X_test), clf.predict_proba(X_test))


# ----------------------------------------------------------------------
# Training options: augment, lr_schedule, label_smoothing
# ----------------------------------------------------------------------
def _colour_images(n=60, size=8, seed=0):
    """Random 8-bit colour images and 3 classes told apart by the mean of one
    channel."""
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 256, size=(n, size, size, 3)).astype(np.uint8)
    y = np.arange(n) % 3
    X[..., 0] = (X[..., 0] // 3 + 80 * y[:, None, None]).astype(np.uint8)
    return X, y


_AUGMENT_KINDS = (
    keras.layers.RandomFlip,
    keras.layers.RandomRotation,
    keras.layers.RandomTranslation,
    keras.layers.RandomZoom,
)


def _body_weights(model) -> list:
    """The weights of every layer but the augmentation ones."""
    return [
        w
        for layer in model.layers
        if not isinstance(layer, _AUGMENT_KINDS)
        for w in layer.get_weights()
    ]


@pytest.mark.parametrize(
    ("cls", "augment", "data"),
    [
        (LeNet5Classifier, "digits", "rows"),  # flat 8x8 rows, padded to 16x16
        (FeedForwardClassifier, "digits", "images"),  # (n, 8, 8, 1), then Flatten
        (LeNetClassifier, "colour", "colour"),  # (n, 8, 8, 3)
        (LeNetClassifier, "colour", "colour32"),  # (n, 32, 32, 3)
        (LeNetClassifier, "airbench", "colour32"),
    ],
)
def test_augment_acts_only_while_fitting(small_digits, cls, augment, data):
    X, X_test, y, _ = small_digits
    if data == "images":
        X, X_test = X.reshape(-1, 8, 8, 1), X_test.reshape(-1, 8, 8, 1)
    elif data.startswith("colour"):
        size = 32 if data == "colour32" else 8
        X, y = _colour_images(size=size)
        X_test = _colour_images(n=20, size=size, seed=1)[0]
    aug = fast(cls, augment=augment, epochs=2).fit(X, y)
    kinds = {type(layer) for layer in aug.model_.layers}
    assert len(kinds & set(_AUGMENT_KINDS)) >= 2
    # The same weights in a network without the layers: the same outputs.
    plain = clone(aug).set_params(augment=None).initialize(X, y)
    plain.model_.set_weights(_body_weights(aug.model_))
    for method in ("predict_proba", "predict"):
        np.testing.assert_array_equal(
            getattr(aug, method)(X_test), getattr(plain, method)(X_test)
        )
    assert aug.score(X_test[:10], y[:10]) == plain.score(X_test[:10], y[:10])
    # Reproducible under random_state; and the training images did change:
    # same initial weights (the layers are made after the body), other losses.
    again = fast(cls, augment=augment, epochs=2).fit(X, y)
    np.testing.assert_array_equal(
        again.predict_proba(X_test), aug.predict_proba(X_test)
    )
    assert again.history_["loss"] == aug.history_["loss"]
    unaugmented = fast(cls, epochs=2).initialize(X, y)
    first = fast(cls, augment=augment).initialize(X, y)
    for a, b in zip(
        _body_weights(first.model_), unaugmented.model_.get_weights(), strict=True
    ):
        np.testing.assert_array_equal(a, b)
    assert fast(cls, epochs=2).fit(X, y).history_["loss"] != aug.history_["loss"]


def test_augment_layers_are_copied_per_network(small_digits):
    X, _, y, _ = small_digits
    given = [keras.layers.RandomRotation(0.05), keras.layers.RandomZoom(0.1)]
    clf = fast(SimplifiedLeNetClassifier, augment=given).fit(X, y)
    used = [layer for layer in clf.model_.layers if isinstance(layer, _AUGMENT_KINDS)]
    assert [type(layer) for layer in used] == [type(layer) for layer in given]
    assert not any(u is g for u in used for g in given)
    assert all(not layer.built for layer in given)  # the user's layers stay new
    assert used[0].get_config()["factor"] == given[0].get_config()["factor"]
    twin = clone(clf)
    assert twin.augment is not given and len(twin.augment) == 2
    twin.fit(X, y)
    assert not set(map(id, twin.model_.layers)) & set(map(id, clf.model_.layers))
    np.testing.assert_array_equal(twin.predict_proba(X), clf.predict_proba(X))


def test_tutorial_defaults_build_the_same_network(small_digits):
    # The options off (their defaults) change nothing: same layers, loss and
    # a constant rate.
    X, _, y, _ = small_digits
    clf = fast(LeNetClassifier).fit(X, y)
    assert [type(layer).__name__ for layer in clf.model_.layers] == [
        "InputLayer",
        "Rescaling",
        *["Conv2D", "Activation", "MaxPooling2D"] * 2,
        "Flatten",
        "Dense",
        "Activation",
        "Dense",
    ]
    assert clf.model_.loss == "sparse_categorical_crossentropy"
    assert not isinstance(
        clf.model_.optimizer._learning_rate,
        keras.optimizers.schedules.LearningRateSchedule,
    )


@pytest.mark.parametrize("name", ["cosine", "onecycle"])
def test_named_lr_schedule_shapes(name):
    lr, total = 0.1, 200
    rate = _network.named_schedule(name, lr, total)
    at = {step: float(rate(step)) for step in (0, 50, 100, 150, 200, 400)}
    if name == "cosine":
        np.testing.assert_allclose(
            [at[0], at[50], at[100], at[150], at[200]],
            [
                lr,
                lr * (1 + np.cos(np.pi / 4)) / 2,
                lr / 2,
                lr * (1 - np.cos(np.pi / 4)) / 2,
                0,
            ],
            atol=1e-7,
        )
    else:  # warm-up over the first quarter from lr/25, then cosine decay to 0
        np.testing.assert_allclose(at[0], lr / 25, rtol=1e-6)
        np.testing.assert_allclose(float(rate(25)), (lr / 25 + lr) / 2, rtol=1e-6)
        np.testing.assert_allclose(at[50], lr, rtol=1e-6)
        np.testing.assert_allclose(float(rate(125)), lr / 2, rtol=1e-6)
        assert at[50] > at[100] > at[150] > at[200]
        np.testing.assert_allclose(at[200], 0, atol=1e-7)
    assert at[400] == at[200]  # past its end: the final rate
    assert _network.named_schedule("constant", lr, total) is None


def test_lr_schedule_spans_the_fit_after_the_hold_out(small_digits):
    X, _, y, _ = small_digits
    # 300 samples, 20% held out: 240 train, 8 batches of 32 per epoch, 3 epochs.
    clf = fast(
        LeNet5Classifier,
        lr_schedule="cosine",
        learning_rate=0.05,
        epochs=3,
        validation_fraction=0.2,
    ).fit(X, y)
    optimizer = clf.model_.optimizer
    schedule = optimizer._learning_rate
    assert isinstance(schedule, keras.optimizers.schedules.CosineDecay)
    assert schedule.decay_steps == 24 and schedule.initial_learning_rate == 0.05
    assert int(optimizer.iterations) == 24
    np.testing.assert_allclose(float(optimizer.learning_rate), 0, atol=1e-8)
    # A warm start continues along the same schedule (it stays at its end).
    clf.set_params(warm_start=True).fit(X, y)
    assert clf.model_.optimizer._learning_rate is schedule
    assert int(clf.model_.optimizer.iterations) == 48
    # learning_rate=None: the optimizer's own rate is the peak.
    own = fast(LeNet5Classifier, optimizer="adam", learning_rate=None)
    own.set_params(lr_schedule="onecycle").fit(X, y)
    peak = own.model_.optimizer._learning_rate
    assert peak.warmup_target == pytest.approx(0.001)
    assert peak.warmup_steps + peak.decay_steps == 10  # 300 / 32 -> 10 batches


def test_lr_schedule_over_partial_fit_calls_and_loss_scaling(small_digits):
    X, _, y, _ = small_digits
    # partial_fit: one epoch (10 batches of 32) per call, `epochs` calls.
    clf = fast(LeNet5Classifier, lr_schedule="cosine", learning_rate=0.1, epochs=2)
    clf.partial_fit(X, y, classes=np.unique(y))
    np.testing.assert_allclose(float(clf.model_.optimizer.learning_rate), 0.05)
    clf.partial_fit(X, y)
    np.testing.assert_allclose(float(clf.model_.optimizer.learning_rate), 0, atol=1e-8)
    # mixed_float16 wraps the optimizer for loss scaling: the schedule is inside.
    scaled = fast(
        LeNet5Classifier, lr_schedule="onecycle", dtype_policy="mixed_float16"
    )
    optimizer = scaled.fit(X, y).model_.optimizer
    assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
    inner = optimizer.inner_optimizer._learning_rate
    assert isinstance(inner, keras.optimizers.schedules.CosineDecay)
    assert inner.warmup_steps + inner.decay_steps == 10


def test_lr_schedule_refuses_a_second_schedule(small_digits):
    X, _, y, _ = small_digits
    schedule = keras.optimizers.schedules.CosineDecay(0.05, decay_steps=20)
    for params in (
        {"learning_rate": schedule},
        {"optimizer": keras.optimizers.Adam(schedule), "learning_rate": None},
    ):
        with pytest.raises(ValueError, match="two learning-rate schedules"):
            fast(LeNetClassifier, lr_schedule="onecycle", **params).fit(X, y)
        fast(LeNetClassifier, **params).fit(X, y)  # "constant": the object rules


def test_label_smoothing_loss():
    y_true = np.array([[0], [2], [1]])
    y_pred = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.3, 0.4, 0.3]], "float32")
    for smoothing in (0.0, 0.1):
        target = np.eye(3)[y_true[:, 0]] * (1 - smoothing) + smoothing / 3
        expected = -(target * np.log(y_pred)).sum(axis=1).mean()
        loss = _network.SmoothedSparseCategoricalCrossentropy(smoothing)
        np.testing.assert_allclose(float(loss(y_true, y_pred)), expected, rtol=1e-5)
    plain = keras.losses.SparseCategoricalCrossentropy()(y_true, y_pred)
    zero = _network.SmoothedSparseCategoricalCrossentropy(0.0)(y_true, y_pred)
    np.testing.assert_allclose(float(zero), float(plain), rtol=1e-6)
    again = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(loss)
    )
    assert type(again) is type(loss) and again.label_smoothing == 0.1


def test_label_smoothing_trains_pickles_and_clones(small_digits):
    X, X_test, y, _ = small_digits
    clf = fast(LeNet5Classifier, label_smoothing=0.2).fit(X, y)
    assert isinstance(clf.model_.loss, _network.SmoothedSparseCategoricalCrossentropy)
    assert clf.model_.loss.label_smoothing == 0.2
    assert np.isfinite(clf.history_["loss"]).all()
    back = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(back.predict_proba(X_test), clf.predict_proba(X_test))
    assert back.model_.loss.label_smoothing == 0.2
    back.set_params(warm_start=True).fit(X, y)  # the restored loss trains
    assert clone(clf).get_params()["label_smoothing"] == 0.2


def test_every_option_on_trains(small_digits):
    X, X_test, y, y_test = small_digits
    clf = fast(
        DropoutCNNClassifier,
        augment="digits",
        lr_schedule="onecycle",
        label_smoothing=0.1,
        batch_norm=True,
        learning_rate=0.01,
        epochs=2,
    ).fit(X, y)
    assert len(clf.history_["loss"]) == 2
    assert clf.score(X_test, y_test) > 0.2  # learns, well above chance (0.1)


def test_airbench_preset_shifts_half_as_far_as_colour():
    colour, airbench = (_network.augmentation(name) for name in ("colour", "airbench"))
    assert [type(layer) for layer in airbench] == [type(layer) for layer in colour]
    assert colour[1].height_factor == colour[1].width_factor == 4 / 32
    assert airbench[1].height_factor == airbench[1].width_factor == 2 / 32


def test_triangular_schedule_rises_and_falls_linearly():
    lr, total = 1.5, 100
    rate = _network.named_schedule("triangular", lr, total)
    at = {step: float(rate(step)) for step in (0, 10, 23, 50, 100, 400)}
    np.testing.assert_allclose(at[0], 0.2 * lr, rtol=1e-6)
    np.testing.assert_allclose(at[10], lr * (0.2 + 0.8 * 10 / 23), rtol=1e-6)
    np.testing.assert_allclose(at[23], lr, rtol=1e-6)
    np.testing.assert_allclose(at[50], lr * (1 - 0.93 * 27 / 77), rtol=1e-6)
    np.testing.assert_allclose(at[100], 0.07 * lr, rtol=1e-6)
    assert at[400] == at[100]  # past its end: the final rate
    back = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(rate)
    )
    assert float(back(50)) == at[50]


def test_nesterov_and_weight_decay_reach_the_optimizer(small_digits):
    X, _, y, _ = small_digits
    clf = fast(LeNetClassifier, optimizer="nesterov", momentum=0.8).fit(X, y)
    optimizer = clf.model_.optimizer
    assert type(optimizer) is keras.optimizers.SGD
    assert optimizer.nesterov and optimizer.momentum == 0.8
    assert optimizer.weight_decay is None  # no weight_decay parameter here
    plain = fast(LeNetClassifier, momentum=0.8).fit(X, y).model_.optimizer
    assert not plain.nesterov
