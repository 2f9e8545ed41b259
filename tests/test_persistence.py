"""save_model / load_model: Keras' native format, safe loading, atomic writes."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import zipfile

import keras
import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sk_lenet import (
    DropoutCNNClassifier,
    ImageReshaper,
    LeNetClassifier,
    PixelScaler,
    load_model,
    save_model,
)
from sk_lenet.persistence import ModelFileError, read_model_file, write_model_file
from tests.conftest import fast


@pytest.fixture(scope="module")
def fitted_pipeline(small_digits):
    X, _, y, _ = small_digits
    labels = np.array([f"digit {v}" for v in y])
    pipe = make_pipeline(PixelScaler(), ImageReshaper(), fast(DropoutCNNClassifier))
    return pipe.fit(X, labels)


def test_round_trip_in_a_fresh_process(fitted_pipeline, small_digits, tmp_path):
    _, X_test, _, _ = small_digits
    path = save_model(fitted_pipeline, tmp_path / "digits.sklenet")
    np.save(tmp_path / "X.npy", X_test)
    script = textwrap.dedent(
        f"""
        import numpy as np
        from sk_lenet import load_model
        pipe = load_model({str(path)!r})
        X = np.load({str(tmp_path / "X.npy")!r})
        np.save({str(tmp_path / "proba.npy")!r}, pipe.predict_proba(X))
        np.save({str(tmp_path / "pred.npy")!r}, pipe.predict(X))
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True)
    assert np.array_equal(
        np.load(tmp_path / "proba.npy"), fitted_pipeline.predict_proba(X_test)
    )
    assert np.array_equal(
        np.load(tmp_path / "pred.npy"), fitted_pipeline.predict(X_test)
    )


def test_loaded_estimator_keeps_its_state_and_trains_on(small_digits, tmp_path):
    X, _, y, _ = small_digits
    clf = fast(LeNetClassifier, filters=(4, 8)).fit(X, y)
    again = load_model(save_model(clf, tmp_path / "m.sklenet"))
    assert again.get_params() == clf.get_params()
    assert again.image_shape_ == clf.image_shape_
    assert again.history_["loss"] == clf.history_["loss"]
    again.set_params(warm_start=True).fit(X, y)
    assert len(again.history_["loss"]) == 2


@pytest.mark.filterwarnings("ignore:dtype_policy='mixed_bfloat16' on a CPU")
@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"])
def test_mixed_precision_round_trip(small_digits, tmp_path, policy):
    X, X_test, y, _ = small_digits
    clf = fast(LeNetClassifier, filters=(4, 8), dtype_policy=policy).fit(X, y)
    back = load_model(save_model(clf, tmp_path / "m.sklenet"))
    assert back.dtype_policy == policy
    assert back.model_.layers[1].compute_dtype == clf.model_.layers[1].compute_dtype
    assert np.array_equal(back.predict_proba(X_test), clf.predict_proba(X_test))
    assert isinstance(back.model_.optimizer, keras.optimizers.LossScaleOptimizer) == (
        policy == "mixed_float16"
    )
    back.set_params(warm_start=True).fit(X, y)
    assert len(back.history_["loss"]) == 2


def test_crash_mid_save_leaves_the_old_file(fitted_pipeline, tmp_path, monkeypatch):
    path = save_model(fitted_pipeline, tmp_path / "m.sklenet")
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(zipfile.ZipFile, "write", crash)
    with pytest.raises(KeyboardInterrupt):
        save_model(fitted_pipeline, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.sklenet"]


def _rewrite(path, meta=None, network=None):
    with zipfile.ZipFile(path) as zf:
        old_meta = json.loads(zf.read("sk_lenet.json"))
        old_network = zf.read("model.keras")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("sk_lenet.json", json.dumps(meta or old_meta))
        zf.writestr("model.keras", network or old_network)
    return old_meta


def test_newer_format_is_refused_clearly(fitted_pipeline, tmp_path):
    path = save_model(fitted_pipeline, tmp_path / "m.sklenet")
    meta = _rewrite(path)
    _rewrite(path, {**meta, "format_version": 99})
    with pytest.raises(ModelFileError, match=r"format 99 .*Upgrade sk_lenet"):
        load_model(path)


def test_unknown_class_is_refused(fitted_pipeline, tmp_path):
    path = save_model(fitted_pipeline, tmp_path / "m.sklenet")
    meta = _rewrite(path)
    meta["steps"][0][1]["class"] = "os.system"
    _rewrite(path, meta)
    with pytest.raises(ModelFileError, match=r"unknown class 'os\.system'"):
        load_model(path)


def test_network_with_code_is_refused(fitted_pipeline, tmp_path):
    path = save_model(fitted_pipeline, tmp_path / "m.sklenet")
    evil = keras.Sequential([keras.Input((2,)), keras.layers.Lambda(lambda t: t * 2)])
    evil.save(tmp_path / "evil.keras")
    _rewrite(path, network=(tmp_path / "evil.keras").read_bytes())
    with pytest.raises(ModelFileError, match="cannot be loaded safely"):
        load_model(path)


@pytest.mark.parametrize(
    ("content", "match"),
    [(b"not a zip", "not a readable sk_lenet model file"), (b"", "not a readable")],
)
def test_other_files_are_refused(tmp_path, content, match):
    path = tmp_path / "m.sklenet"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=match):
        load_model(path)


def test_save_refuses_what_it_cannot_store_safely(small_digits, tmp_path):
    X, _, y, _ = small_digits
    with pytest.raises(NotFittedError):
        save_model(LeNetClassifier(), tmp_path / "m.sklenet")
    foreign = make_pipeline(StandardScaler(), fast(LeNetClassifier)).fit(X, y)
    with pytest.raises(TypeError, match=r"StandardScaler\. Use pickle"):
        save_model(foreign, tmp_path / "m.sklenet")
    with_callback = fast(LeNetClassifier, callbacks=[keras.callbacks.History()])
    with pytest.raises(TypeError, match="callbacks=None"):
        save_model(with_callback.fit(X, y), tmp_path / "m.sklenet")
    assert not list(tmp_path.iterdir())
    with pytest.raises(FileNotFoundError, match="No model file"):
        load_model(tmp_path / "missing.sklenet")


def test_keras_optimizers_and_schedules_are_stored(small_digits, tmp_path):
    X, X_test, y, _ = small_digits
    schedule = keras.optimizers.schedules.CosineDecay(0.01, decay_steps=20)
    for params in (
        {"optimizer": "adam", "learning_rate": schedule},
        {"optimizer": keras.optimizers.RMSprop(0.002, rho=0.8), "learning_rate": None},
        {"optimizer": keras.optimizers.Adam(schedule), "learning_rate": None},
    ):
        clf = fast(LeNetClassifier, **params).fit(X, y)
        back = load_model(save_model(clf, tmp_path / "m.sklenet"))
        for name, value in params.items():
            got = back.get_params()[name]
            if hasattr(value, "get_config"):
                assert type(got) is type(value) and got is not value
                assert got.get_config() == value.get_config()
            else:
                assert got == value
        np.testing.assert_allclose(
            back.predict_proba(X_test), clf.predict_proba(X_test)
        )
        back.set_params(warm_start=True).fit(X, y)  # the restored optimizer trains


@pytest.mark.parametrize(
    "augment",
    ["digits", [keras.layers.RandomRotation(0.05), keras.layers.GaussianNoise(0.1)]],
)
def test_training_options_are_stored(small_digits, tmp_path, augment):
    X, X_test, y, _ = small_digits
    options = {
        "augment": augment,
        "lr_schedule": "onecycle",
        "label_smoothing": 0.1,
        "batch_norm": True,
    }
    clf = fast(LeNetClassifier, **options).fit(X, y)
    back = load_model(save_model(clf, tmp_path / "m.sklenet"))
    got = back.get_params()
    for name, value in options.items():
        if isinstance(value, list):
            assert [type(layer) for layer in got[name]] == [type(v) for v in value]
            assert [layer.get_config() for layer in got[name]] == [
                v.get_config() for v in value
            ]
        else:
            assert got[name] == value
    np.testing.assert_array_equal(back.predict_proba(X_test), clf.predict_proba(X_test))
    assert back.model_.loss.label_smoothing == 0.1
    assert type(back.model_.optimizer._learning_rate).__name__ == "CosineDecay"
    back.set_params(warm_start=True).fit(X, y)  # trains on: loss, schedule, layers


def test_layers_other_than_augmentation_are_not_stored(small_digits, tmp_path):
    X, _, y, _ = small_digits
    clf = fast(LeNetClassifier, augment=[keras.layers.Identity()]).fit(X, y)
    with pytest.raises(TypeError, match="image augmentation layers"):
        save_model(clf, tmp_path / "m.sklenet")


@pytest.mark.parametrize(
    "tamper",
    [
        {"module": "os"},
        {"module": "keras.layers", "class_name": "Lambda"},
        {"module": "keras.optimizers", "class_name": "deserialize"},
        {"module": "keras.src.optimizers.schedules.learning_rate_schedule"},
        {"registered_name": "custom>CosineDecay"},
    ],
)
def test_foreign_keras_objects_are_refused(small_digits, tmp_path, tamper):
    X, _, y, _ = small_digits
    schedule = keras.optimizers.schedules.CosineDecay(0.01, decay_steps=20)
    clf = fast(LeNetClassifier, optimizer="adam", learning_rate=schedule).fit(X, y)
    path = save_model(clf, tmp_path / "m.sklenet")
    meta = _rewrite(path)
    record = meta["steps"][0][1]
    params = dict(record["params"]["__dict__"])
    assert params["learning_rate"]["__keras__"]["class_name"] == "CosineDecay"
    params["learning_rate"]["__keras__"].update(tamper)
    record["params"]["__dict__"] = [[k, v] for k, v in params.items()]
    _rewrite(path, meta)
    with pytest.raises(ModelFileError, match="cannot be loaded safely"):
        load_model(path)


# ----------------------------------------------------------------------
# write_model_file / read_model_file: either format, told apart by content
# ----------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["pickle", "sklenet"])
def test_model_file_round_trip(fitted_pipeline, small_digits, tmp_path, fmt):
    _, X_test, _, _ = small_digits
    # the suffix does not matter: the format is read from the content
    path = write_model_file(fitted_pipeline, tmp_path / "sub" / "model.bin", fmt)
    assert path == tmp_path / "sub" / "model.bin"
    assert (path.read_bytes()[:4] == b"PK\x03\x04") == (fmt == "sklenet")
    back = read_model_file(path)
    np.testing.assert_array_equal(
        back.predict_proba(X_test), fitted_pipeline.predict_proba(X_test)
    )
    assert [p.name for p in path.parent.iterdir()] == ["model.bin"]


def test_write_model_file_is_atomic(fitted_pipeline, tmp_path, monkeypatch):
    import pickle

    path = write_model_file(fitted_pipeline, tmp_path / "m.pkl")
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pickle, "dump", crash)
    with pytest.raises(KeyboardInterrupt):
        write_model_file(fitted_pipeline, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.pkl"]


def test_write_model_file_refuses_an_unknown_format(fitted_pipeline, tmp_path):
    with pytest.raises(ValueError, match="format must be one of 'pickle', 'sklenet'"):
        write_model_file(fitted_pipeline, tmp_path / "m.onnx", "onnx")
    assert not list(tmp_path.iterdir())


def test_read_model_file_refuses_what_is_no_fitted_classifier(tmp_path):
    import pickle

    cases = {
        "missing.pkl": (None, "model file not found: "),
        "junk.pkl": (b"not a pickle", "cannot load .* as a saved model"),
        "empty.pkl": (b"", r"as a saved model \(Ran out of input\)"),
        "list.pkl": (pickle.dumps([1, 2]), "holds a list, not a fitted classifier"),
        "scaler.pkl": (
            pickle.dumps(StandardScaler()),
            "holds a StandardScaler, not a fitted classifier",
        ),
        "unfitted.pkl": (
            pickle.dumps(LeNetClassifier()),
            "not a fitted classifier",
        ),
        "zip.sklenet": (b"PK\x03\x04broken", "cannot load .*zip.sklenet: "),
    }
    for name, (content, match) in cases.items():
        path = tmp_path / name
        if content is not None:
            path.write_bytes(content)
        with pytest.raises(ModelFileError, match=match) as excinfo:
            read_model_file(path)
        if name != "missing.pkl" and not name.endswith(".sklenet"):
            assert "'sk-lenet train'" in str(excinfo.value)  # which file to give
        assert path.is_file() == (content is not None)  # nothing deleted
