"""sk_lenet._tf: TensorFlow starts quietly, with oneDNN on unless the user chose."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest


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
