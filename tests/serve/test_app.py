"""sk_lenet.serve.app: the page, the prediction endpoint and its errors,
two hundred concurrent requests, and ``sk-lenet serve`` itself."""

from __future__ import annotations

import asyncio
import base64
import io
import sys

import numpy as np
import pytest

from sk_lenet.serve.app import MAX_BODY_BYTES, create_app
from tests.cli.conftest import run

Image = pytest.importorskip("PIL.Image")
ImageDraw = pytest.importorskip("PIL.ImageDraw")
httpx = pytest.importorskip("httpx")


def drawing(shape="1", fmt="PNG", size=280):
    """A canvas-like drawing: a black stroke on white."""
    img = Image.new("L", (size, size), 255)
    pen = ImageDraw.Draw(img)
    if shape == "1":
        pen.line([(size // 2, size // 6), (size // 2, size * 5 // 6)], fill=0, width=18)
    else:  # "0"
        pen.ellipse(
            [(size // 4, size // 7), (size * 3 // 4, size * 6 // 7)],
            outline=0,
            width=18,
        )
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return buf.getvalue()


@pytest.fixture(scope="module")
def client(digits_model):
    from starlette.testclient import TestClient

    return TestClient(create_app(digits_model, name="lenet_digits.pkl"))


def test_page_says_which_model_and_dataset(client):
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    text = page.text
    assert "lenet_digits.pkl" in text and "LeNetClassifier" in text
    assert "scikit-learn&#x27;s bundled 8x8 handwritten digits" in text
    for part in ('<canvas id="canvas"', 'id="clear"', 'type="file"', "pointerup"):
        assert part in text
    info = client.get("/api/info").json()
    assert info["dataset"] == "digits" and info["image_shape"] == [8, 8, 1]
    assert info["labels"] == [str(i) for i in range(10)]


@pytest.mark.parametrize(
    ("digit", "encode"),
    [
        ("1", lambda b: b),
        ("0", lambda b: b),
        ("0", lambda b: b"data:image/png;base64," + base64.b64encode(b)),
    ],
    ids=["png 1", "png 0", "data URL 0"],
)
def test_predicts_a_drawing(client, digit, encode):
    reply = client.post("/api/predict", content=encode(drawing(digit)))
    assert reply.status_code == 200, reply.text
    answer = reply.json()
    assert answer["label"] == digit
    probabilities = answer["probabilities"]
    assert probabilities[0]["label"] == digit
    assert sorted(p["label"] for p in probabilities) == [str(i) for i in range(10)]
    assert sum(p["p"] for p in probabilities) == pytest.approx(1, abs=1e-4)
    ps = [p["p"] for p in probabilities]
    assert ps == sorted(ps, reverse=True)


def test_jpeg_and_multipart_free_raw_bytes(client):
    reply = client.post(
        "/api/predict",
        content=drawing("1", "JPEG"),
        headers={"content-type": "image/jpeg"},
    )
    assert reply.status_code == 200 and reply.json()["label"] == "1"


def _png(width, height):
    buf = io.BytesIO()
    Image.new("L", (width, height), 255).save(buf, format="PNG")
    return buf.getvalue()


BAD_BODIES = {
    "empty body": (b"", 400, "empty body"),
    "blank body": (b"  \n", 400, "empty body"),
    "not an image": (b"hello, I am text", 415, "not an image"),
    "truncated png": (drawing()[:200], 415, "image"),
    "broken base64": (b"data:image/png;base64,iVBOR@@!!", 400, "broken base64"),
    "data URL of text": (
        b"data:text/plain;base64,aGVsbG8=",
        415,
        "unsupported data URL",
    ),
    "data URL not base64": (b"data:image/png,rawbytes", 415, "unsupported data URL"),
    "image too small": (_png(4, 4), 422, "at least 8x8"),
    "too many pixels": (_png(5000, 4000), 413, "over the limit of 16000000 pixels"),
    "body over 2 MB": (b"\x89PNG" + b"0" * MAX_BODY_BYTES, 413, "over the limit"),
}


@pytest.mark.parametrize("case", list(BAD_BODIES))
def test_bad_bodies_get_clear_4xx_json(client, case):
    body, status, message = BAD_BODIES[case]
    reply = client.post("/api/predict", content=body)
    assert reply.status_code == status, reply.text
    assert message in reply.json()["error"]


def test_size_limit_checked_before_reading(client):
    """A declared length over the limit is refused with the body unread."""

    def body():
        yield b"\x89PNG"
        raise AssertionError("the server read a body it should have refused")

    headers = {"content-length": str(MAX_BODY_BYTES + 1)}
    reply = client.post("/api/predict", content=body(), headers=headers)
    assert reply.status_code == 413


def test_a_chunked_body_over_the_limit_is_cut(client):
    def body():
        for _ in range(3):
            yield b"0" * (MAX_BODY_BYTES // 2)

    reply = client.post("/api/predict", content=body())
    assert reply.status_code == 413


def test_requests_cannot_name_files_or_models(client, tmp_path):
    """The endpoint reads image data only: a path or a query is just bytes."""
    reply = client.post("/api/predict?model=/etc/passwd", content=b"/etc/passwd")
    assert reply.status_code == 415
    assert client.get("/api/predict").status_code == 405
    assert client.get("/static/../../etc/passwd").status_code == 404
    assert client.post("/api/load", content=b"x").status_code == 404


def test_two_hundred_concurrent_requests_all_answered(live_server):
    png = drawing("1")

    async def storm():
        limits = httpx.Limits(max_connections=200)
        async with httpx.AsyncClient(
            base_url=live_server, limits=limits, timeout=120
        ) as c:
            return await asyncio.gather(
                *(c.post("api/predict", content=png) for _ in range(200))
            )

    replies = asyncio.run(storm())
    assert [r.status_code for r in replies] == [200] * 200
    assert {r.json()["label"] for r in replies} == {"1"}
    # still serving afterwards
    after = httpx.post(live_server + "api/predict", content=drawing("0"), timeout=30)
    assert after.status_code == 200 and after.json()["label"] == "0"
    assert httpx.get(live_server, timeout=30).status_code == 200


# ---------------------------------------------------------------------------
# sk-lenet serve
# ---------------------------------------------------------------------------


def test_serve_without_the_extra_names_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "starlette", None)  # as if not installed
    code, _, err = run(["serve", tmp_path / "any.pkl"], capsys)
    assert code == 2 and 'pip install "sk-lenet[serve]"' in err


def test_serve_command_says_the_url_and_serves(
    digits_model, tmp_path, capsys, monkeypatch
):
    from sk_lenet.persistence import write_model_file
    from sk_lenet.serve import app as serve_app

    path = write_model_file(digits_model, tmp_path / "lenet_digits.pkl")
    seen = {}

    def run_once(self, sockets):  # instead of serving forever: one request
        from starlette.testclient import TestClient

        seen["bound"] = sockets[0].getsockname()
        sockets[0].close()
        seen["reply"] = TestClient(self.config.app).post(
            "/api/predict", content=drawing()
        )

    monkeypatch.setattr("uvicorn.Server.run", run_once)
    assert serve_app.MAX_BODY_BYTES == MAX_BODY_BYTES
    code, out, err = run(["serve", path, "--port", 0], capsys)
    assert code == 0, err
    host, port = seen["bound"]
    assert host == "127.0.0.1" and port > 0
    assert (
        out
        == f"Serving lenet_digits.pkl on http://127.0.0.1:{port}/ (Ctrl+C to stop)\n"
    )
    assert err == ""  # quiet
    assert seen["reply"].json()["label"] == "1"


def test_serve_port_in_use_is_one_error_line(
    digits_model, tmp_path, capsys, live_server
):
    from sk_lenet.persistence import write_model_file

    path = write_model_file(digits_model, tmp_path / "m.pkl")
    port = int(live_server.rsplit(":", 1)[1].strip("/"))
    code, _, err = run(["serve", path, "--port", port], capsys)
    assert code == 2 and "cannot listen on 127.0.0.1:" in err and "--port" in err
    code, _, err = run(["serve", path, "--port", 70000], capsys)
    assert code == 2 and "--port must be in 0..65535" in err


def test_colour_model_gets_a_resized_photo(tmp_path):
    from starlette.testclient import TestClient

    from sk_lenet import SimplifiedLeNetClassifier

    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (40, 32 * 32 * 3)).astype(np.uint8)
    y = np.arange(40) % 10
    clf = SimplifiedLeNetClassifier(epochs=1, random_state=0).fit(
        X.reshape(40, 32, 32, 3), y
    )
    client = TestClient(create_app(clf))
    info = client.get("/api/info").json()
    assert info["dataset"] == "cifar10" and info["labels"][0] == "airplane"
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (120, 90, 3)).astype(np.uint8)).save(
        buf, "JPEG"
    )
    reply = client.post("/api/predict", content=buf.getvalue())
    assert reply.status_code == 200 and reply.json()["label"] in info["labels"]
