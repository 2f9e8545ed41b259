"""Shared by the serve tests: a digits model, and a real server running it."""

from __future__ import annotations

import threading
import time

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")


@pytest.fixture(scope="package")
def digits_model():
    """``sk-lenet train``'s LeNet on the digits (about 0.97 test accuracy),
    as the Pipeline it saves."""
    from sklearn.pipeline import make_pipeline

    from sk_lenet import ImageReshaper, LeNetClassifier, PixelScaler
    from sk_lenet.datasets import load_digits

    X, y = load_digits(subset="train", return_X_y=True)
    clf = LeNetClassifier(
        optimizer="sgd", learning_rate=0.05, momentum=0.9, epochs=8, random_state=0
    )
    return make_pipeline(PixelScaler(max_value=255), ImageReshaper((8, 8, 1)), clf).fit(
        X, y
    )


@pytest.fixture(scope="package")
def live_server(digits_model):
    """A real uvicorn server of the digits model on a free port: its URL."""
    from sk_lenet.serve.app import create_app, listening

    server, sock, url = listening(
        create_app(digits_model, name="digits.pkl"), "127.0.0.1", 0
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield url
    server.should_exit = True
    thread.join(timeout=10)
