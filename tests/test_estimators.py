"""The estimators as scikit-learn users use them, on real handwritten digits."""

from __future__ import annotations

import gc
import os
import pickle
import subprocess
import sys
import textwrap
import weakref

import keras
import numpy as np
import pytest
from sklearn.base import clone, is_classifier
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import VotingClassifier
from sklearn.metrics import classification_report
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    check_cv,
    cross_val_score,
)
from sklearn.pipeline import make_pipeline
from sklearn.utils import get_tags

from sk_lenet import (
    DropoutCNNClassifier,
    FeedForwardClassifier,
    ImageReshaper,
    LeNet5Classifier,
    LeNetClassifier,
    PixelScaler,
    SimplifiedLeNetClassifier,
)
from sk_lenet._optimizers import fuse_adam_updates
from tests.conftest import ESTIMATORS, fast


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_is_a_classifier(cls):
    est = cls()
    assert is_classifier(est)
    assert get_tags(est).estimator_type == "classifier"
    assert isinstance(check_cv(5, np.arange(20) % 2, classifier=True), StratifiedKFold)


def test_cross_val_score_stratifies(small_digits):
    X, _, y, _ = small_digits
    # 3 epochs: one epoch of 240 images leaves some folds near chance.
    est = fast(SimplifiedLeNetClassifier, epochs=3)
    assert isinstance(check_cv(5, y, classifier=is_classifier(est)), StratifiedKFold)
    scores = cross_val_score(est, X, y, cv=5)
    assert scores.shape == (5,)
    assert np.all(scores > 0.2)  # chance is 0.1


def test_voting_and_calibration_accept_it(small_digits):
    X, X_test, y, _ = small_digits
    vote = VotingClassifier(
        [("lenet", fast(LeNetClassifier)), ("mlp", fast(FeedForwardClassifier))],
        voting="soft",
    ).fit(X, y)
    assert vote.predict(X_test).shape == (len(X_test),)
    calibrated = CalibratedClassifierCV(fast(SimplifiedLeNetClassifier), cv=3)
    proba = calibrated.fit(X, y).predict_proba(X_test)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("cls", [LeNetClassifier, DropoutCNNClassifier])
def test_int_random_state_is_bit_identical(cls, small_digits):
    X, X_test, y, _ = small_digits
    first = fast(cls, epochs=2).fit(X, y).predict_proba(X_test)
    second = fast(cls, epochs=2).fit(X, y).predict_proba(X_test)
    assert np.array_equal(first, second)


def test_unseeded_fit_after_seeded_fit(small_digits):
    X, X_test, y, _ = small_digits
    np_state = np.random.get_state()[1].copy()  # noqa: NPY002
    fast(DropoutCNNClassifier).fit(X, y)
    assert np.array_equal(np.random.get_state()[1], np_state)  # noqa: NPY002
    a = fast(DropoutCNNClassifier, random_state=None).fit(X, y)
    b = fast(DropoutCNNClassifier, random_state=None).fit(X, y)
    assert not np.array_equal(a.predict_proba(X_test), b.predict_proba(X_test))


def test_training_on_keeps_tensorflows_kernel_cache(small_digits, monkeypatch):
    # Emptying it makes TensorFlow instantiate every traced function again:
    # ~0.1-0.2 s, more than a one-batch partial_fit.  Only a new network
    # empties it (so memory stays flat over grid searches), once.
    from tensorflow.python.eager import context

    X, X_test, y, _ = small_digits
    clf = fast(DropoutCNNClassifier, validation_fraction=0.1, warm_start=True)
    clf.fit(X, y).predict_proba(np.repeat(X_test, 25, axis=0))  # traced forward
    flushes = []
    monkeypatch.setattr(
        context.pywrap_tfe, "TFE_ContextClearCaches", lambda h: flushes.append(h)
    )
    clf.partial_fit(X, y)
    clf.fit(X, y)  # warm start
    assert flushes == []
    fast(LeNet5Classifier).fit(X, y).predict_proba(X_test)
    assert len(flushes) == 1


def test_interleaved_seeded_partial_fits_are_bit_identical(small_digits):
    # Seeding no longer flushes TensorFlow's kernels, so no stateful random
    # op may carry its stream from one fit into the next: same seed and calls,
    # same network, whatever other seeded fits ran in between.
    X, X_test, y, _ = small_digits
    a, b = fast(DropoutCNNClassifier), fast(DropoutCNNClassifier)
    other = fast(DropoutCNNClassifier, random_state=1)
    for clf in (a, other, b, other, a, b):
        clf.partial_fit(X, y, classes=np.arange(10))
    assert np.array_equal(a.predict_proba(X_test), b.predict_proba(X_test))
    assert not np.array_equal(a.predict_proba(X_test), other.predict_proba(X_test))


def test_input_forms_are_interchangeable(small_digits):
    X, X_test, y, _ = small_digits
    labels = np.array([str(v) for v in y])  # fetch_openml gives '0'..'9'
    images = X.reshape(-1, 8, 8, 1)
    clf = fast(LeNetClassifier).fit(images, labels)
    assert clf.image_shape_ == (8, 8, 1)
    assert clf.n_features_in_ == 64
    assert clf.classes_.tolist() == [str(d) for d in range(10)]
    flat_pred = clf.predict(X_test)
    assert flat_pred.dtype.kind == "U"
    assert np.array_equal(flat_pred, clf.predict(X_test.reshape(-1, 8, 8, 1)))
    # uint8 0..255, float 0..255 and float 0..1 pixels give the same network input
    as_uint8 = fast(LeNetClassifier).fit(X, y).predict_proba(X_test)
    as_float = fast(LeNetClassifier).fit(X.astype(float), y).predict_proba(X_test)
    np.testing.assert_allclose(as_uint8, as_float, atol=1e-6)
    scaled = fast(LeNetClassifier).fit(X / 255.0, y)
    assert scaled.pixel_scale_ == 1.0
    np.testing.assert_allclose(
        scaled.predict_proba(X_test / 255.0), as_uint8, atol=1e-5
    )


def test_image_shape_parameter(small_digits):
    X, _, y, _ = small_digits
    clf = fast(FeedForwardClassifier, image_shape=(4, -1)).fit(X, y)
    assert clf.image_shape_ == (4, 16, 1)


def test_history_records_every_epoch(small_digits):
    X, _, y, _ = small_digits
    plain = fast(SimplifiedLeNetClassifier, epochs=3).fit(X, y)
    assert sorted(plain.history_) == ["accuracy", "loss"]
    assert all(len(v) == 3 for v in plain.history_.values())
    held = fast(SimplifiedLeNetClassifier, epochs=3, validation_fraction=0.2).fit(X, y)
    assert sorted(held.history_) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert all(len(v) == 3 for v in held.history_.values())


def test_early_stopping_stops(small_digits):
    X, _, y, _ = small_digits
    clf = fast(
        FeedForwardClassifier, epochs=40, early_stopping=True, n_iter_no_change=2
    )
    clf.set_params(tol=10.0)  # no epoch can improve val_loss by 10
    clf.fit(X, y)
    assert len(clf.history_["loss"]) == 3
    assert "val_loss" in clf.history_


def test_partial_fit_and_warm_start_continue(small_digits):
    X, _, y, _ = small_digits
    clf = fast(FeedForwardClassifier)
    clf.partial_fit(X, y, classes=np.arange(10))
    network = clf.model_
    clf.partial_fit(X, y)
    assert clf.model_ is network
    assert len(clf.history_["loss"]) == 2
    warm = fast(FeedForwardClassifier, warm_start=True).fit(X, y)
    network = warm.model_
    warm.fit(X, y)
    assert warm.model_ is network
    assert len(warm.history_["loss"]) == 2
    assert warm.classes_.tolist() == list(range(10))
    assert warm.predict(X[:5]).shape == (5,)


def test_quiet_by_default(small_digits, capfd):
    X, X_test, y, _ = small_digits
    fast(LeNetClassifier).fit(X, y).predict(X_test)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_import_prints_nothing():
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    done = subprocess.run(
        [sys.executable, "-c", "import sk_lenet"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert done.stdout == "" and done.stderr == ""


_ONEDNN = (
    "import os;"
    "from tensorflow.python.util import _pywrap_util_port as p;"
    "print(os.environ['TF_ENABLE_ONEDNN_OPTS'], p.IsMklEnabled())"
)


@pytest.mark.parametrize(
    "imports",
    [
        "import sk_lenet.base",  # sk_lenet loads TensorFlow
        # The package import loads no TensorFlow; the user's own import after
        # it still gets the setting.
        "import sk_lenet, sys; assert 'tensorflow' not in sys.modules; import keras",
    ],
)
@pytest.mark.parametrize(("setting", "expected"), [(None, "1 True"), ("0", "0 False")])
def test_onednn_on_unless_the_user_chose(imports, setting, expected):
    env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    if setting is not None:
        env["TF_ENABLE_ONEDNN_OPTS"] = setting
    done = subprocess.run(
        [sys.executable, "-c", f"{imports}; {_ONEDNN}"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == expected.split()


def test_tensorflow_imported_first_warns_where_onednn_is_off():
    # TensorFlow reads TF_ENABLE_ONEDNN_OPTS once, when it loads: imported
    # before sk_lenet it keeps its own default, which is off on CPUs without
    # AVX-512 VNNI/BF16, AVX-VNNI or AMX and on where they are.
    code = textwrap.dedent(
        """
        import warnings
        import tensorflow
        from tensorflow.python.util import _pywrap_util_port as p
        from sklearn.datasets import load_digits
        from sk_lenet import LeNet5Classifier
        X, y = load_digits(return_X_y=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for _ in range(2):
                LeNet5Classifier(epochs=1, random_state=0).fit(X[:64], y[:64])
        onednn = [str(w.message) for w in caught if "oneDNN" in str(w.message)]
        print(p.IsMklEnabled(), len(onednn), onednn[0] if onednn else "")
        """
    )
    env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    onednn_on, n_warnings, *message = done.stdout.split(maxsplit=2)
    if onednn_on == "True":  # TensorFlow's own default here: nothing missed
        assert n_warnings == "0"
    else:  # warned once, with the fix
        assert n_warnings == "1"
        assert "Import sk_lenet before tensorflow" in message[0]
        assert "TF_ENABLE_ONEDNN_OPTS=1" in message[0]


def test_onednn_warning_only_where_nobody_chose(monkeypatch):
    import tensorflow as tf
    from tensorflow.python.util import _pywrap_util_port

    from sk_lenet import _tf

    monkeypatch.setattr(_tf.sys, "platform", "linux")
    monkeypatch.setattr(_tf.platform, "machine", lambda: "x86_64")
    monkeypatch.setattr(_pywrap_util_port, "IsMklEnabled", lambda: False)
    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS")
    assert _tf.onednn_missed()
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")  # the user chose off
    assert not _tf.onednn_missed()
    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS")
    monkeypatch.setattr(_tf.platform, "machine", lambda: "arm64")  # no oneDNN build
    assert not _tf.onednn_missed()
    monkeypatch.setattr(_tf.platform, "machine", lambda: "AMD64")
    monkeypatch.setattr(_tf.sys, "platform", "win32")
    assert _tf.onednn_missed()
    gpus = ["/device:GPU:0"]
    monkeypatch.setattr(tf.config, "list_logical_devices", lambda kind=None: gpus)
    assert not _tf.onednn_missed()  # the network trains on the GPU
    gpus.clear()
    monkeypatch.setattr(_tf, "_onednn_warned", False)
    with pytest.warns(UserWarning, match="TF_ENABLE_ONEDNN_OPTS=1") as caught:
        _tf.warn_if_onednn_missed()
        _tf.warn_if_onednn_missed()  # once per process
    assert len(caught) == 1
    monkeypatch.setattr(_pywrap_util_port, "IsMklEnabled", lambda: True)
    assert not _tf.onednn_missed()


# (minimal number of epochs, accuracy floor) for a few seconds of training each;
# chance is 0.1.  Learning rates are the tutorials', except where noted.
E2E = [
    (LeNetClassifier, {"epochs": 5, "learning_rate": 0.05, "momentum": 0.9}, 0.9),
    # The tutorial's SGD 0.1 swings between 0.42 and 0.85 over seeds here (5-10
    # epochs); Adam learns the digits steadily (0.86-0.91 over 6 seeds).
    (LeNet5Classifier, {"epochs": 5, "optimizer": "adam", "learning_rate": 3e-3}, 0.8),
    (SimplifiedLeNetClassifier, {"epochs": 5}, 0.85),
    (DropoutCNNClassifier, {"epochs": 5}, 0.8),
    (
        FeedForwardClassifier,
        {"epochs": 5, "optimizer": "adam", "learning_rate": 1e-3},
        0.7,
    ),
]


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


@pytest.mark.parametrize(("cls", "params", "floor"), E2E)
def test_learns_handwritten_digits(cls, params, floor, digits):
    X_train, X_test, y_train, y_test = digits
    clf = fast(cls, **params).fit(X_train, y_train)
    assert clf.score(X_test, y_test) >= floor


def test_lenet_pipeline_on_digits(digits):
    X_train, X_test, y_train, y_test = digits
    pipe = make_pipeline(
        PixelScaler(),
        ImageReshaper(),
        LeNetClassifier(
            epochs=8, batch_size=32, learning_rate=0.05, momentum=0.9, random_state=0
        ),
    ).fit(X_train, y_train)
    assert pipe.score(X_test, y_test) >= 0.95
    report = classification_report(y_test, pipe.predict(X_test), output_dict=True)
    assert report["accuracy"] >= 0.95


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_grid_search_over_filters_and_learning_rate(n_jobs, small_digits):
    X, X_test, y, _ = small_digits
    grid = GridSearchCV(
        make_pipeline(PixelScaler(), ImageReshaper(), fast(LeNetClassifier)),
        {
            "lenetclassifier__filters": [(4, 8), (8, 16)],
            "lenetclassifier__learning_rate": [0.01, 0.1],
        },
        cv=2,
        n_jobs=n_jobs,
    ).fit(X, y)
    assert len(grid.cv_results_["params"]) == 4
    assert np.all(np.isfinite(grid.cv_results_["mean_test_score"]))
    assert grid.best_estimator_.predict(X_test).shape == (len(X_test),)


def test_clone_is_unfitted_with_same_params(small_digits):
    X, _, y, _ = small_digits
    clf = fast(LeNet5Classifier, zero_padding=2).fit(X, y)
    copy = clone(clf)
    assert copy.get_params() == clf.get_params()
    assert not hasattr(copy, "model_")


def test_pickle_round_trip_in_a_fresh_process(small_digits, tmp_path):
    X, X_test, y, _ = small_digits
    pipe = make_pipeline(PixelScaler(), ImageReshaper(), fast(DropoutCNNClassifier))
    pipe.fit(X, y)
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(pipe))
    np.save(tmp_path / "X.npy", X_test)
    script = textwrap.dedent(
        f"""
        import pickle, numpy as np
        pipe = pickle.loads(open({str(tmp_path / "model.pkl")!r}, "rb").read())
        X = np.load({str(tmp_path / "X.npy")!r})
        np.save({str(tmp_path / "proba.npy")!r}, pipe.predict_proba(X))
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True)
    assert np.array_equal(np.load(tmp_path / "proba.npy"), pipe.predict_proba(X_test))


# Trainable parameters of each network on 28x28x1 MNIST with 10 classes,
# counted from the tutorials' diagrams by hand.
PARAMS_ON_MNIST = {
    # conv 5*5*1*20+20, conv 5*5*20*50+50, dense 7*7*50*500+500, out 501*10
    LeNetClassifier: 520 + 25_050 + 1_225_500 + 5_010,
    # conv 5*5*6+6, conv 5*5*6*16+16, dense 4*4*16*120+120, 121*84, 85*10
    LeNet5Classifier: 156 + 2_416 + 30_840 + 10_164 + 850,
    # conv 3*3*32+32, dense 13*13*32*128+128, out 129*10
    SimplifiedLeNetClassifier: 320 + 692_352 + 1_290,
    # conv 3*3*32+32, conv 3*3*32*64+64, dense 12*12*64*128+128, out 129*10
    DropoutCNNClassifier: 320 + 18_496 + 1_179_776 + 1_290,
    # 785*256, 257*128, 129*10
    FeedForwardClassifier: 200_960 + 32_896 + 1_290,
}


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_network_matches_the_tutorial(cls):
    X = np.zeros((10, 784), dtype=np.uint8)
    y = np.arange(10)
    clf = cls().initialize(X, y)
    trainable = sum(int(np.prod(w.shape)) for w in clf.model_.trainable_weights)
    assert trainable == PARAMS_ON_MNIST[cls]


def test_lenet5_paper_padding_and_small_images():
    X = np.zeros((10, 784), dtype=np.uint8)
    y = np.arange(10)
    paper = LeNet5Classifier(zero_padding=2).initialize(X, y).model_
    first_conv = next(layer for layer in paper.layers if "conv" in layer.name)
    assert first_conv.output.shape[1:3] == (28, 28)  # 32x32 in, as in 1998
    digits8 = LeNet5Classifier().initialize(np.zeros((10, 64)), y).model_
    assert digits8.get_layer("pad_to_minimum_size").output.shape[1:3] == (16, 16)


class _InterruptAt(__import__("keras").callbacks.Callback):
    """Raise KeyboardInterrupt (as Ctrl-C does) in the middle of an epoch."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.current_epoch == self.epoch:
            raise KeyboardInterrupt

    def on_epoch_begin(self, epoch, logs=None):
        self.current_epoch = epoch


def test_interrupted_fit_keeps_a_usable_estimator(small_digits):
    X, X_test, y, _ = small_digits
    X_before = X.copy()
    clf = fast(LeNetClassifier, epochs=5, batch_size=4, callbacks=[_InterruptAt(2)])
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    assert len(clf.history_["loss"]) == 2  # the two completed epochs
    assert clf.predict(X_test).shape == (len(X_test),)
    np.testing.assert_array_equal(X, X_before)


def test_seeded_fit_ignores_other_threads_drawing_random_numbers(small_digits):
    # A Dask worker's event loop draws from the global `random` module while a
    # task fits; the seeded result must not change.
    import random
    import threading

    X, X_test, y, _ = small_digits
    quiet = fast(DropoutCNNClassifier).fit(X, y).predict_proba(X_test)
    stop = threading.Event()

    def draw():
        while not stop.is_set():
            random.random()

    noisy_thread = threading.Thread(target=draw)
    noisy_thread.start()
    try:
        noisy = fast(DropoutCNNClassifier).fit(X, y).predict_proba(X_test)
    finally:
        stop.set()
        noisy_thread.join()
    assert np.array_equal(quiet, noisy)


def test_single_sample_and_int_hidden_layer_sizes(small_digits):
    X, X_test, y, _ = small_digits
    clf = fast(FeedForwardClassifier, hidden_layer_sizes=16).fit(X, y)
    assert len(clf.model_.layers) == 5  # input, scaling, flatten, hidden, classes
    assert clf.predict_proba(X_test[:1]).shape == (1, 10)
    assert clf.predict(X_test[:1]).shape == (1,)
    binary = fast(FeedForwardClassifier).fit(X, y % 2)
    assert binary.predict_proba(X_test[:1]).shape == (1, 2)


def test_large_predictions_run_through_a_traced_graph(digits):
    from sk_lenet import base

    X_train, X_test, y_train, _ = digits
    clf = fast(LeNet5Classifier).fit(X_train[:300], y_train[:300])
    many = np.tile(X_test, (6, 1))  # 2700 images: at least _TRACE_MIN_IMAGES
    few = clf.predict_proba(X_test[:10])
    assert clf.model_ not in base._TRACED  # a few images: eager
    traced = clf.predict_proba(many)
    assert base._TRACED[clf.model_]
    np.testing.assert_allclose(traced[:10], few, rtol=0, atol=1e-6)
    # The path depends on the call alone: the same images, the same numbers.
    assert np.array_equal(clf.predict_proba(X_test[:10]), few)
    assert np.array_equal(clf.predict_proba(many), traced)
    # The cache holds the network weakly: it goes with its estimator.
    network = weakref.ref(clf.model_)
    del clf
    gc.collect()
    assert network() is None


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


@pytest.mark.parametrize("native", [True, False, None])
def test_bfloat16_warns_where_the_cpu_would_emulate_it(
    small_digits, monkeypatch, native
):
    import warnings

    import tensorflow as tf

    from sk_lenet import _policies

    X, _, y, _ = small_digits
    monkeypatch.setattr(_policies, "cpu_has_native_bf16", lambda: native)
    monkeypatch.setattr(tf.config, "list_logical_devices", lambda kind=None: [])
    clf = fast(LeNet5Classifier, batch_size=100, dtype_policy="mixed_bfloat16")
    if native is False:  # AVX2-only, say: measured slower than float32
        with pytest.warns(UserWarning, match="Use dtype_policy='float32'"):
            clf.fit(X, y)
    else:  # native bfloat16, or a CPU we cannot read: nothing to say
        with warnings.catch_warnings():
            warnings.filterwarnings("error", message="dtype_policy=")
            clf.fit(X, y)
    # float32 never warns.
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="dtype_policy=")
        clf.set_params(dtype_policy="float32").fit(X, y)


def test_cpu_bf16_flags_are_read_from_cpuinfo(tmp_path):
    from sk_lenet._policies import cpu_has_native_bf16

    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512f\n")
    assert cpu_has_native_bf16(str(info)) is False
    info.write_text("flags\t\t: fpu avx2 avx512f avx512_bf16\n")
    assert cpu_has_native_bf16(str(info)) is True
    assert cpu_has_native_bf16(str(tmp_path / "absent")) is None


@pytest.mark.filterwarnings("ignore:dtype_policy='mixed_bfloat16' on a CPU")
def test_warm_start_cannot_switch_dtype_policy(small_digits):
    X, _, y, _ = small_digits
    clf = fast(LeNet5Classifier, batch_size=100, warm_start=True).fit(X, y)
    clf.set_params(dtype_policy="mixed_bfloat16")
    with pytest.raises(ValueError, match="built with dtype_policy='float32'"):
        clf.fit(X, y)
    with pytest.raises(ValueError, match="warm_start=False to build a new network"):
        clf.partial_fit(X, y)
    clf.set_params(warm_start=False).fit(X, y)  # a new network, in bfloat16
    assert clf.model_.layers[1].compute_dtype == "bfloat16"


def _loops(clf):
    """The network's training loops, {(eager, batch size, specs): loop}."""
    from sk_lenet._batches import _RUNNERS

    return clf.model_.__dict__.get(_RUNNERS, {})


def _traced_loops(clf):
    return [loop for (eager, *_), loop in _loops(clf).items() if not eager]


def test_a_larger_fit_after_an_eager_one_is_traced(small_digits):
    # The first training of a network decides eager or traced; a one-step
    # eager partial_fit must not make the next, larger one eager too.
    X, _, y, _ = small_digits
    clf = fast(FeedForwardClassifier)  # batch 32
    clf.partial_fit(X[:32], y[:32])  # 1 step: eager
    assert clf.model_.run_eagerly and _loops(clf) and not _traced_loops(clf)
    clf.partial_fit(X, y)  # 10 steps: traced
    (traced,) = _traced_loops(clf)
    assert not clf.model_.run_eagerly
    clf.partial_fit(X[:32], y[:32])  # a traced network stays traced
    assert not clf.model_.run_eagerly and _traced_loops(clf) == [traced]
    assert traced.experimental_get_tracing_count() == 1
    assert clf.current_epoch == 3 and len(clf.history_["loss"]) == 3


def test_only_a_new_networks_first_small_fit_is_eager(small_digits):
    # A loop of one-batch partial_fit calls: the first runs eagerly (no trace
    # for a one-off tiny fit), every later one through one traced loop.
    X, _, y, _ = small_digits
    clf = fast(FeedForwardClassifier)  # batch 32
    clf.partial_fit(X[:32], y[:32])
    assert clf.model_.run_eagerly
    for start in (32, 64, 96):
        clf.partial_fit(X[start : start + 32], y[start : start + 32])
        assert not clf.model_.run_eagerly
    (traced,) = _traced_loops(clf)
    assert traced.experimental_get_tracing_count() == 1


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n", [32, 100], ids=["one batch", "four batches"])
def test_graph_batches_match_keras_feed(small_digits, weighted, n, monkeypatch):
    # Batches gathered inside the traced step train exactly as Keras' own
    # array feed of the same batches in the same order (shuffle=False): the
    # same weights and losses up to float round-off, eager and traced.
    import tensorflow as tf

    from sk_lenet.base import ImageClassifierBase

    X, _, y, _ = small_digits
    weights = np.linspace(0.5, 2.0, n) if weighted else None
    given = []
    keras_fit = keras.Model.fit

    def spy(model, x=None, *args, **kwargs):
        given.append(type(x))
        return keras_fit(model, x, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "fit", spy)

    def train():
        clf = fast(LeNet5Classifier, epochs=2, activation="relu", shuffle=False)
        clf.fit(X[:n], y[:n], sample_weight=weights)  # eager
        for start in (n, 2 * n):  # traced
            clf.partial_fit(
                X[start : start + n], y[start : start + n], sample_weight=weights
            )
        return clf

    in_graph = train()
    assert all(issubclass(kind, tf.data.Dataset) for kind in given)
    monkeypatch.setattr(ImageClassifierBase, "_batch_feed", lambda *a: None)
    given.clear()
    arrays = train()
    assert given == [np.ndarray] * 3
    for w_graph, w_arrays in zip(
        in_graph.model_.get_weights(), arrays.model_.get_weights(), strict=True
    ):
        np.testing.assert_allclose(w_graph, w_arrays, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        in_graph.history_["loss"], arrays.history_["loss"], rtol=1e-5
    )
    assert in_graph.current_epoch == arrays.current_epoch == 4


def test_keras_feed_only_where_asked_for(small_digits):
    X, _, y, _ = small_digits
    lenet5 = fast(LeNet5Classifier).fit(X, y)
    for shuffle in (True, False):
        assert lenet5._batch_feed(X, y, None, {"shuffle": shuffle}, 0) is not None
    for kwargs in (
        {"validation_split": 0.5},
        {"class_weight": {0: 2.0}},
        {"steps_per_epoch": 2},
        {"shuffle": "batch"},
    ):
        assert lenet5._batch_feed(X, y, None, kwargs, 0) is None
    # Keras' class_weight in a one-batch call that lacks classes: its tf.data
    # lookup would fail on the labels above the largest key; arrays work.
    lenet5.partial_fit(X[:32], y[:32], class_weight={0: 5.0})
    lenet5.fit(X, y, steps_per_epoch=3)


def test_seeded_fits_reshuffle_every_epoch(small_digits):
    # Under a global seed Keras' own array shuffle repeats its first order in
    # every epoch; sk_lenet draws a new order per epoch, the same sequence of
    # orders for the same seed.
    X, _, y, _ = small_digits
    clf = fast(FeedForwardClassifier, batch_size=5).fit(X[:40], y[:40])

    def epoch_orders(seed, **kwargs):
        feed = clf._batch_feed(X[:20], y[:20], None, kwargs, seed)
        return [feed.draw_order() for _ in range(3)]

    first, again = epoch_orders(7), epoch_orders(7)
    assert all(sorted(order) == list(range(20)) for order in first)
    assert not np.array_equal(first[0], first[1])
    assert not np.array_equal(first[1], first[2])
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(epoch_orders(8)[0], first[0])
    assert all(
        np.array_equal(order, np.arange(20)) for order in epoch_orders(7, shuffle=False)
    )


def test_seeding_sets_what_keras_set_random_seed_sets():
    # _seeded copies keras.utils.set_random_seed less TensorFlow's cache
    # flush; if a Keras or TensorFlow release changes what seeding sets, the
    # copy must follow.
    import random

    from keras.src.backend.common import global_state
    from tensorflow.python.eager import context

    from sk_lenet.base import _seeded

    def state():
        ctx = context.context()
        return (
            global_state.get_global_attribute("global_random_seed"),
            random.random(),
            np.random.random(),  # noqa: NPY002
            ctx._seed,
            [context.internal_operation_seed() for _ in range(3)],
        )

    with _seeded(11):
        ours = state()
    keras.utils.set_random_seed(11)
    try:
        assert state() == ours
    finally:
        import tensorflow as tf

        tf.random.set_seed(None)
        global_state.set_global_attribute("global_random_seed", None)


class PlainKerasAdam(keras.optimizers.Adam):
    """Keras' own Adam update: sk_lenet fuses only the exact Adam class."""


@pytest.mark.parametrize("batch_size", [100, 32])  # 3 eager steps, 10 traced
def test_fused_adam_update_matches_keras_adam(small_digits, batch_size):
    X, _, y, _ = small_digits
    fused = fast(SimplifiedLeNetClassifier, batch_size=batch_size).fit(X, y)
    keras_own = fast(
        SimplifiedLeNetClassifier, batch_size=batch_size, optimizer=PlainKerasAdam
    ).fit(X, y)
    assert "update_step" in vars(fused.model_.optimizer)
    assert "update_step" not in vars(keras_own.model_.optimizer)
    for w_fused, w_keras in zip(
        fused.model_.get_weights(), keras_own.model_.get_weights(), strict=True
    ):
        np.testing.assert_allclose(w_fused, w_keras, rtol=0, atol=1e-5)


def test_fused_adam_keeps_a_plain_keras_optimizer(small_digits):
    X, _, y, _ = small_digits
    clf = fast(SimplifiedLeNetClassifier, warm_start=True).fit(X, y)
    optimizer = clf.model_.optimizer
    assert type(optimizer) is keras.optimizers.Adam
    # A saved network names Keras' Adam, so it loads without sk_lenet.
    assert keras.saving.serialize_keras_object(optimizer)["module"] == (
        "keras.optimizers"
    )
    back = pickle.loads(pickle.dumps(clf))
    assert "update_step" not in vars(back.model_.optimizer)  # Keras rebuilt it
    back.fit(X, y)  # training on fuses the rebuilt optimizer
    assert "update_step" in vars(back.model_.optimizer)
    assert back.current_epoch == 2


@pytest.mark.parametrize(
    "optimizer",
    [
        keras.optimizers.Adam(amsgrad=True),
        keras.optimizers.AdamW(),
        keras.optimizers.SGD(),
    ],
    ids=["amsgrad", "AdamW", "SGD"],
)
def test_other_optimizers_keep_keras_updates(optimizer):
    fuse_adam_updates(optimizer)
    assert "update_step" not in vars(optimizer)


def test_fused_adam_under_loss_scaling(small_digits):
    X, _, y, _ = small_digits
    clf = fast(
        SimplifiedLeNetClassifier, batch_size=100, dtype_policy="mixed_float16"
    ).fit(X, y)
    optimizer = clf.model_.optimizer
    assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
    assert "update_step" in vars(optimizer.inner_optimizer)
    assert all(np.all(np.isfinite(w)) for w in clf.model_.get_weights())
