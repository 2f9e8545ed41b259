"""sk_lenet.export: ONNX files that onnxruntime runs to predict_proba's
probabilities, for each tutorial network, bare and in a Pipeline."""

from __future__ import annotations

import json
import sys
import warnings

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from sk_lenet import (
    AirbenchClassifier,
    DropoutCNNClassifier,
    FeedForwardClassifier,
    ImageReshaper,
    LeNet5Classifier,
    LeNetClassifier,
    PixelScaler,
    SimplifiedLeNetClassifier,
)
from sk_lenet.export import INPUT_DTYPES, describe_onnx, export_onnx
from tests.cli.conftest import run
from tests.conftest import fast

onnx = pytest.importorskip("onnx", reason='needs pip install "sk-lenet[onnx]"')
ort = pytest.importorskip("onnxruntime", reason='needs pip install "sk-lenet[onnx]"')

ATOL = 1e-5  # the promise: onnxruntime equals predict_proba within this
# The five tutorial networks (issue 28); AirbenchClassifier has its own test.
TUTORIAL = [
    LeNetClassifier,
    LeNet5Classifier,
    SimplifiedLeNetClassifier,
    DropoutCNNClassifier,
    FeedForwardClassifier,
]


def onnx_proba(path, X) -> np.ndarray:
    """The exported file's probabilities of ``X`` in onnxruntime (``X`` in
    the file's input dtype: float32 unless exported with another)."""
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    dtype = metadata(path)["input_dtype"]
    return session.run(None, {"pixels": np.asarray(X, dtype=dtype)})[0]


def metadata(path) -> dict[str, str]:
    return {p.key: p.value for p in onnx.load(str(path)).metadata_props}


@pytest.fixture(scope="module", params=TUTORIAL, ids=lambda c: c.__name__)
def pipeline(request, small_digits):
    """Each tutorial network in the CLI's Pipeline, fitted 1 epoch on digits."""
    X_train, _, y_train, _ = small_digits
    pipe = make_pipeline(PixelScaler(), ImageReshaper(), fast(request.param))
    return pipe.fit(X_train, y_train)


def test_pipeline_on_uint8_rows_matches_predict_proba(pipeline, small_digits, tmp_path):
    # The rows as the loaders give them, no astype: a uint8 input.
    _, X_test, _, _ = small_digits
    assert X_test.dtype == np.uint8
    path = export_onnx(pipeline, tmp_path / "model.onnx", input_dtype="uint8")
    assert path == tmp_path / "model.onnx"
    assert metadata(path)["input_dtype"] == "uint8"
    proba = onnx_proba(path, X_test)
    expected = pipeline.predict_proba(X_test)
    assert proba.shape == expected.shape == (len(X_test), 10)
    np.testing.assert_allclose(proba, expected, rtol=0, atol=ATOL)
    classes = json.loads(metadata(path)["classes"])
    np.testing.assert_array_equal(
        np.asarray(classes)[proba.argmax(1)], pipeline.predict(X_test)
    )


def test_bare_estimator_matches_predict_proba(pipeline, small_digits, tmp_path):
    # The Pipeline's classifier alone takes the scaled float rows.
    _, X_test, _, _ = small_digits
    clf = pipeline[-1]
    X = pipeline[:-1].transform(X_test).reshape(len(X_test), -1)
    assert X.dtype == np.float32 and X.max() <= 1
    path = export_onnx(clf, tmp_path / "bare.onnx")
    np.testing.assert_allclose(
        onnx_proba(path, X), clf.predict_proba(X), rtol=0, atol=ATOL
    )
    assert json.loads(metadata(path)["input_shape"]) == [None, 64]


@pytest.fixture(scope="module")
def word_labels(small_digits):
    """A bare LeNet fitted on uint8 rows with string labels."""
    X_train, _, y_train, _ = small_digits
    names = np.array(["zero", "one", "two", "three", "four"] * 2)
    return fast(LeNetClassifier).fit(X_train, names[y_train])


def test_metadata_holds_classes_input_and_model(word_labels, tmp_path):
    path = export_onnx(word_labels, str(tmp_path / "words.onnx"))
    meta = metadata(path)
    assert json.loads(meta["classes"]) == word_labels.classes_.tolist()
    assert sorted(json.loads(meta["classes"])) == [
        "four",
        "one",
        "three",
        "two",
        "zero",
    ]
    assert json.loads(meta["input_shape"]) == [None, 64]
    assert meta["input_dtype"] == "float32"
    assert json.loads(meta["image_shape"]) == [8, 8, 1]
    assert meta["data_format"] == "channels_last"
    assert meta["dtype_policy"] == "float32"
    assert meta["estimator"] == repr(word_labels)
    import sk_lenet

    assert meta["sk_lenet_version"] == sk_lenet.__version__
    model = onnx.load(str(path))
    (inp,), (out,) = model.graph.input, model.graph.output
    assert (inp.name, out.name) == ("pixels", "probabilities")
    assert [d.dim_param or d.dim_value for d in inp.type.tensor_type.shape.dim] == [
        "batch",
        64,
    ]
    assert [d.dim_param or d.dim_value for d in out.type.tensor_type.shape.dim] == [
        "batch",
        5,
    ]


def test_uint8_pixels_given_as_float32_match(word_labels, small_digits, tmp_path):
    # The bare estimator was fitted on uint8 rows: its own scaling is inside.
    _, X_test, _, _ = small_digits
    path = export_onnx(word_labels, tmp_path / "words.onnx")
    np.testing.assert_allclose(
        onnx_proba(path, X_test.astype(np.float32)),
        word_labels.predict_proba(X_test),
        rtol=0,
        atol=ATOL,
    )
    assert describe_onnx(path) == [
        "input  pixels: float32 [batch, 64] (rows of 8x8x1 images, channels_last "
        "order)",
        "output probabilities: float32 [batch, 5] (classes four one three two zero)",
    ]


def test_uint8_rows_into_a_bare_estimator(word_labels, small_digits, tmp_path):
    _, X_test, _, _ = small_digits
    path = export_onnx(word_labels, tmp_path / "words.onnx", input_dtype="uint8")
    np.testing.assert_allclose(
        onnx_proba(path, X_test), word_labels.predict_proba(X_test), rtol=0, atol=ATOL
    )
    assert describe_onnx(path)[0] == (
        "input  pixels: uint8 [batch, 64] (rows of 8x8x1 images, channels_last order)"
    )


def test_images_into_a_bare_estimator(word_labels, small_digits, tmp_path):
    # predict_proba's other input: (n, height, width, channels) images.
    _, X_test, _, _ = small_digits
    images = X_test.reshape(-1, 8, 8, 1)
    path = export_onnx(
        word_labels, tmp_path / "images.onnx", input="images", input_dtype="uint8"
    )
    np.testing.assert_allclose(
        onnx_proba(path, images),
        word_labels.predict_proba(images),
        rtol=0,
        atol=ATOL,
    )
    meta = metadata(path)
    assert json.loads(meta["input_shape"]) == [None, 8, 8, 1]
    assert (meta["input_dtype"], meta["data_format"]) == ("uint8", "channels_last")
    (inp,) = onnx.load(str(path)).graph.input
    assert inp.type.tensor_type.elem_type == onnx.TensorProto.UINT8
    assert describe_onnx(path)[0] == (
        "input  pixels: uint8 [batch, 8, 8, 1] (channels_last images)"
    )


def test_float64_images_through_a_pixel_scaler(word_labels, small_digits, tmp_path):
    # A Pipeline without an ImageReshaper takes images too; float64 pixels
    # are computed in float32, as predict_proba does.
    _, X_test, _, _ = small_digits
    images = X_test.reshape(-1, 8, 8, 1).astype(np.float64)
    pipe = Pipeline([("unit", PixelScaler(max_value=1.0)), ("clf", word_labels)])
    path = export_onnx(
        pipe, tmp_path / "f64.onnx", input="images", input_dtype="float64"
    )
    np.testing.assert_allclose(
        onnx_proba(path, images), pipe.predict_proba(images), rtol=0, atol=ATOL
    )
    assert metadata(path)["input_dtype"] == "float64"


def test_channel_planar_colour_rows_with_tta(tmp_path):
    # OpenML's CIFAR-10 layout (planes), the mirror-image averaging, and the
    # augmentation (training only) left out.
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, size=(120, 3 * 8 * 8), dtype=np.uint8)
    y = rng.integers(0, 3, size=120)
    pipe = Pipeline(
        [
            ("scale / 255", PixelScaler()),  # any step name
            ("planes", ImageReshaper((8, 8, 3), data_format="channels_first")),
            ("clf", fast(DropoutCNNClassifier, tta=True, augment="colour")),
        ]
    ).fit(X, y)
    path = export_onnx(pipe, tmp_path / "colour.onnx", input_dtype="uint8")
    proba = onnx_proba(path, X)
    np.testing.assert_allclose(proba, pipe.predict_proba(X), rtol=0, atol=ATOL)
    # not the file of the network alone: the mirror images count
    pipe[-1].set_params(tta=False)
    assert np.abs(proba - pipe.predict_proba(X)).max() > 1e-3
    assert metadata(path)["data_format"] == "channels_first"


def test_airbench_with_its_whitening_gelu_and_tta(tmp_path):
    # TensorFlow's exact GELU is an Erfc op that tf2onnx cannot convert: the
    # file computes it with Erf.
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, size=(96, 3 * 8 * 8), dtype=np.uint8)
    y = rng.integers(0, 3, size=96)
    clf = AirbenchClassifier(widths=(8, 16, 16), epochs=1, batch_size=32)
    pipe = make_pipeline(
        PixelScaler(),
        ImageReshaper((8, 8, 3), data_format="channels_first"),
        clf.set_params(learning_rate=0.1, random_state=0),
    ).fit(X, y)
    path = export_onnx(pipe, tmp_path / "airbench.onnx", input_dtype="uint8")
    np.testing.assert_allclose(
        onnx_proba(path, X), pipe.predict_proba(X), rtol=0, atol=ATOL
    )


def test_distorted_digits_with_batch_norm(small_digits, tmp_path):
    # Keras' random rotation, translation and zoom draw random numbers even
    # in inference: the file must start at the network's scaling.
    X_train, X_test, y_train, _ = small_digits
    clf = fast(LeNet5Classifier, augment="digits", batch_norm=True)
    clf.fit(X_train, y_train)
    path = export_onnx(clf, tmp_path / "distorted.onnx")
    np.testing.assert_allclose(
        onnx_proba(path, X_test), clf.predict_proba(X_test), rtol=0, atol=ATOL
    )


def test_mixed_precision_network_runs_in_float32(small_digits, tmp_path):
    X_train, X_test, y_train, _ = small_digits
    clf = fast(FeedForwardClassifier, dtype_policy="mixed_float16")
    clf.fit(X_train, y_train)
    with pytest.warns(UserWarning, match="runs the same weights in float32") as rec:
        path = export_onnx(clf, tmp_path / "mixed.onnx")
    assert rec[0].filename == __file__  # points at the caller's line
    proba = onnx_proba(path, X_test)
    # float16 rounding apart, the same network
    np.testing.assert_allclose(proba, clf.predict_proba(X_test), rtol=0, atol=5e-3)
    # ... and exactly the float32 computation with its weights
    from sk_lenet.export import _float32_network

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        network = _float32_network(clf)
    assert {layer.dtype_policy.name for layer in network.layers} == {"float32"}
    images = X_test.reshape(-1, 8, 8, 1).astype(np.float32)
    np.testing.assert_allclose(proba, np.asarray(network(images)), rtol=0, atol=ATOL)
    assert metadata(path)["dtype_policy"] == "mixed_float16"


def test_opset_is_used(word_labels, tmp_path):
    path = export_onnx(word_labels, tmp_path / "op13.onnx", opset=13)
    opsets = {o.domain: o.version for o in onnx.load(str(path)).opset_import}
    assert opsets[""] == 13


def test_export_replaces_a_file_whole(word_labels, tmp_path):
    path = tmp_path / "sub" / "model.onnx"
    path.parent.mkdir()
    path.write_bytes(b"an older file")
    export_onnx(word_labels, path)
    assert onnx.load(str(path)).graph.output[0].name == "probabilities"
    assert [p.name for p in path.parent.iterdir()] == ["model.onnx"]  # no temp file


def test_passthrough_steps_are_skipped(word_labels, small_digits, tmp_path):
    _, X_test, _, _ = small_digits
    steps = [
        ("none", None),
        ("unit", PixelScaler(max_value=1.0)),
        ("pass", "passthrough"),
    ]
    pipe = Pipeline([*steps, ("clf", word_labels)])
    path = export_onnx(pipe, tmp_path / "pass.onnx")
    np.testing.assert_allclose(
        onnx_proba(path, X_test), pipe.predict_proba(X_test), rtol=0, atol=ATOL
    )


# ----------------------------------------------------------------------------
# Errors: each names the step and the fix
# ----------------------------------------------------------------------------


# The errors that need no fitted model are rows of tests/test_bad_inputs.py.


def test_foreign_step_beside_a_fitted_classifier(word_labels, tmp_path):
    pipe = Pipeline([("std", StandardScaler()), ("clf", word_labels)])
    with pytest.raises(TypeError, match=r"step 'std' \(StandardScaler\) is not one"):
        export_onnx(pipe, tmp_path / "x.onnx")
    assert not (tmp_path / "x.onnx").exists()


def test_unfitted_reshaper_beside_a_fitted_classifier(word_labels, tmp_path):
    pipe = Pipeline([("reshape", ImageReshaper()), ("clf", word_labels)])
    with pytest.raises(NotFittedError, match=r"step 'reshape' .* not fitted"):
        export_onnx(pipe, tmp_path / "x.onnx")


def test_opsets_the_converter_writes(word_labels, tmp_path):
    from tf2onnx.constants import OPSET_TO_IR_VERSION

    newest = max(OPSET_TO_IR_VERSION)
    for opset in (8, newest + 1, 13.0, True):
        with pytest.raises(ValueError, match=rf"from 9 to {newest}, .* got {opset}"):
            export_onnx(word_labels, tmp_path / "x.onnx", opset=opset)
    path = export_onnx(word_labels, tmp_path / "newest.onnx", opset=newest)
    assert {o.domain: o.version for o in onnx.load(path).opset_import}[""] == newest
    assert not (tmp_path / "x.onnx").exists()


# ----------------------------------------------------------------------------
# sk-lenet export
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["pickle", "sklenet"])
def test_cli_export(word_labels, small_digits, tmp_path, capsys, fmt):
    from sk_lenet.persistence import MODEL_FILE_FORMATS, write_model_file

    _, X_test, _, _ = small_digits
    model = write_model_file(
        word_labels, tmp_path / f"m{MODEL_FILE_FORMATS[fmt]}", format=fmt
    )
    out_path = tmp_path / "m.onnx"
    code, out, err = run(["export", model, out_path], capsys)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"Wrote {out_path} (") and lines[0].endswith(
        f"kB) from {model}"
    )
    assert lines[1:] == [f"  {line}" for line in describe_onnx(out_path)]
    np.testing.assert_allclose(
        onnx_proba(out_path, X_test), word_labels.predict_proba(X_test), atol=ATOL
    )


def test_cli_export_uint8_images(word_labels, small_digits, tmp_path, capsys):
    from sk_lenet.persistence import write_model_file

    _, X_test, _, _ = small_digits
    images = X_test.reshape(-1, 8, 8, 1)
    model = write_model_file(word_labels, tmp_path / "m.pkl")
    out_path = tmp_path / "m.onnx"
    argv = ["export", model, out_path, "--images", "--input-dtype", "uint8"]
    code, out, err = run(argv, capsys)
    assert code == 0, err
    assert out.splitlines()[1] == (
        "  input  pixels: uint8 [batch, 8, 8, 1] (channels_last images)"
    )
    np.testing.assert_allclose(
        onnx_proba(out_path, images), word_labels.predict_proba(images), atol=ATOL
    )


def test_cli_export_help_names_the_input_dtypes(capsys):
    code, out, _ = run(["export", "--help"], capsys)
    assert code == 0
    help_text = " ".join(out.split())
    assert "--input-dtype DTYPE" in help_text and "--images" in help_text
    for dtype in INPUT_DTYPES:
        assert dtype in help_text.split("--input-dtype DTYPE")[-1]


def test_cli_export_foreign_step_is_one_line(word_labels, tmp_path, capsys):
    from sk_lenet.persistence import write_model_file

    model = write_model_file(
        make_pipeline(StandardScaler(), word_labels), tmp_path / "m.pkl"
    )
    code, _, err = run(["export", model, tmp_path / "m.onnx"], capsys)
    assert code == 2
    assert "'standardscaler' (StandardScaler) is not one of sk_lenet's" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "m.onnx").exists()


# ----------------------------------------------------------------------------
# The real MNIST and CIFAR-10 (where SK_LENET_REAL_DATA is set)
# ----------------------------------------------------------------------------

N_TEST = 1000  # real test images compared
N_TRAIN = 500  # training images of the 1-epoch fits (every class is among them)


def _real(fetch, home, subset):
    X, y = fetch(data_home=home, subset=subset, return_X_y=True)
    n = N_TRAIN if subset == "train" else N_TEST
    return X[:n], y[:n]


@pytest.mark.slow
@pytest.mark.real_data
@pytest.mark.parametrize("cls", TUTORIAL, ids=lambda c: c.__name__)
def test_real_mnist(cls, real_mnist_home, tmp_path):
    from sk_lenet.datasets import fetch_mnist

    X_train, y_train = _real(fetch_mnist, real_mnist_home, "train")
    X_test, _ = _real(fetch_mnist, real_mnist_home, "test")
    pipe = make_pipeline(PixelScaler(), ImageReshaper(), fast(cls)).fit(
        X_train, y_train
    )
    # the loader's uint8 rows straight into the file
    assert X_test.dtype == np.uint8
    path = export_onnx(pipe, tmp_path / "mnist.onnx", input_dtype="uint8")
    np.testing.assert_allclose(
        onnx_proba(path, X_test), pipe.predict_proba(X_test), rtol=0, atol=ATOL
    )


@pytest.mark.slow
@pytest.mark.real_data
@pytest.mark.parametrize(
    ("cls", "params"),
    [(DropoutCNNClassifier, {"tta": True}), (FeedForwardClassifier, {})],
    ids=["DropoutCNNClassifier-tta", "FeedForwardClassifier"],
)
def test_real_cifar10(cls, params, real_cifar_home, tmp_path):
    from sk_lenet.datasets import fetch_cifar10

    X_train, y_train = _real(fetch_cifar10, real_cifar_home, "train")
    X_test, _ = _real(fetch_cifar10, real_cifar_home, "test")
    pipe = make_pipeline(
        PixelScaler(),
        ImageReshaper(data_format="channels_first"),  # OpenML's planar rows
        fast(cls, **params),
    ).fit(X_train, y_train)
    path = export_onnx(pipe, tmp_path / "cifar.onnx")
    np.testing.assert_allclose(
        onnx_proba(path, X_test), pipe.predict_proba(X_test), rtol=0, atol=ATOL
    )


def test_import_sk_lenet_loads_no_exporter():
    import subprocess

    code = (
        "import sys, sk_lenet; sk_lenet.export_onnx; "
        "names = ('onnx', 'tf2onnx', 'onnxruntime'); "
        "print(sorted(m for m in names if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
