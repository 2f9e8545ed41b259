"""The draw-a-digit web app: a Starlette application around one fitted model.

:func:`create_app` builds the application (testable with Starlette's
``TestClient``, no socket); :func:`serve` binds the address, says the URL and
runs it with uvicorn.  The model is the one given at startup: a request
carries image data only, and never names a file or a model.

Routes
------
``GET /``
    The page: a canvas to draw on (mouse, pen or finger), a drop zone and
    file input for an image, a clear button, the predicted class and the
    probabilities as bars.
``GET /api/info``
    The model, its dataset, input shape and class labels, as JSON.
``POST /api/predict``
    The body is an image: PNG, JPEG (or any format Pillow reads) bytes, or a
    ``data:image/...;base64,...`` URL as a canvas' ``toDataURL`` gives.  The
    answer is JSON: the predicted ``label``, and ``probabilities`` (label
    and probability, likeliest first).  Errors are JSON ``{"error": ...}``
    with a 4xx status: 400 empty body or broken base64, 413 a body over the
    limit (checked before it is read) or an image of too many pixels, 415
    not an image, 422 an image too small to hold a digit.
"""

from __future__ import annotations

import base64
import binascii
import html
import io
import re
import socket
import threading
import time
from importlib import resources
from typing import Any

import numpy as np

__all__ = ["MAX_BODY_BYTES", "MAX_PIXELS", "MIN_SIDE", "create_app", "serve"]

#: Largest request body accepted, in bytes.
MAX_BODY_BYTES = 2 * 1024 * 1024
#: Largest image accepted, in pixels (a 12-megapixel photo fits).
MAX_PIXELS = 16_000_000
#: Smallest image side accepted, in pixels.
MIN_SIDE = 8

_DATA_URL = re.compile(rb"^data:(image/[a-z0-9.+-]+)?(;[^,;]*)*;base64,", re.I)


def _web():
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise ImportError(
            "sk-lenet serve needs Starlette and uvicorn, an optional "
            'dependency: pip install "sk-lenet[serve]"'
        ) from None


class _BadRequest(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _decode_body(body: bytes) -> bytes:
    """The image bytes of a request body: raw bytes, or a base64 data URL."""
    if not body.strip():
        raise _BadRequest(
            400, "empty body: send a PNG or JPEG image, or a data:image URL"
        )
    if body[:5].lower() != b"data:":
        return body
    match = _DATA_URL.match(body.strip())
    if match is None:
        raise _BadRequest(
            415,
            "unsupported data URL: send data:image/png;base64,... (or image/jpeg)",
        )
    try:
        return base64.b64decode(body.strip()[match.end() :], validate=True)
    except (binascii.Error, ValueError):
        raise _BadRequest(
            400, "broken base64 in the data URL: send canvas.toDataURL()'s text"
        ) from None


def _describe(model) -> dict[str, Any]:
    """What the page shows about the model: names, shape, classes."""
    from sk_lenet._pipeline import final_estimator
    from sk_lenet.cli.data import dataset_for, dataset_info, target_names

    clf = final_estimator(model)
    dataset = dataset_for(model, required=False)
    names = target_names(dataset)
    classes = list(clf.classes_)
    labels = [
        str(names[c])
        if names is not None and isinstance(c, (int, np.integer))
        else str(c)
        for c in classes
    ]
    return {
        "model": type(clf).__name__,
        "dataset": dataset,
        "dataset_title": dataset_info(dataset).title if dataset else None,
        "image_shape": [int(d) for d in clf.image_shape_],
        "labels": labels,
    }


def create_app(
    model,
    *,
    name: str | None = None,
    max_body_bytes: int = MAX_BODY_BYTES,
):
    """The draw-a-digit web application of a fitted model.

    Parameters
    ----------
    model : estimator or sklearn.pipeline.Pipeline
        A fitted sk_lenet classifier, or a Pipeline ending in one (as
        :func:`~sk_lenet.persistence.read_model_file` returns).  Used for
        every request; nothing else is ever loaded.
    name : str, default=None
        What the page calls the model (e.g. its file name); default: the
        classifier's class name.
    max_body_bytes : int, default=MAX_BODY_BYTES
        Larger request bodies are refused (413) before they are read.

    Returns
    -------
    starlette.applications.Starlette
        The application; run it with any ASGI server, or :func:`serve`.

    Raises
    ------
    ImportError
        If Starlette is not installed (the ``serve`` extra).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from starlette.testclient import TestClient
    >>> from sk_lenet import SimplifiedLeNetClassifier
    >>> from sk_lenet.serve import create_app
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = SimplifiedLeNetClassifier(epochs=1, random_state=0).fit(X, y)
    >>> client = TestClient(create_app(clf))
    >>> client.get("/api/info").json()["dataset"]
    'digits'
    >>> client.post("/api/predict", content=b"").status_code
    400
    """
    _web()
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import HTMLResponse, JSONResponse
    from starlette.routing import Route

    from sk_lenet._images import ImageFileError, read_image_bytes
    from sk_lenet._inference import traced_inference
    from sk_lenet.cli.data import images_to_rows

    info = _describe(model)
    info["name"] = name or info["model"]
    shape = tuple(info["image_shape"])
    labels = info["labels"]
    lock = threading.Lock()  # one forward pass at a time; preparation in parallel

    def classify(data: bytes) -> dict[str, Any]:
        from PIL import Image

        try:
            with Image.open(io.BytesIO(data)) as probe:
                width, height = probe.size
        except Exception:
            raise _BadRequest(
                415, "the body is not an image: send a PNG or JPEG image"
            ) from None
        if min(width, height) < MIN_SIDE:
            raise _BadRequest(
                422,
                f"the image is {width}x{height} pixels; send one at least "
                f"{MIN_SIDE}x{MIN_SIDE}",
            )
        if width * height > MAX_PIXELS:
            raise _BadRequest(
                413,
                f"the image is {width}x{height} pixels, over the limit of "
                f"{MAX_PIXELS} pixels; send a smaller image",
            )
        try:
            image = read_image_bytes(data, shape, max_pixels=MAX_PIXELS)
        except ImageFileError as exc:  # a truncated or damaged file
            raise _BadRequest(415, str(exc)) from None
        X = images_to_rows(model, image[np.newaxis])
        with lock, traced_inference():  # one image at a time: the graph
            proba = np.asarray(model.predict_proba(X), dtype=float).reshape(-1)
        order = np.argsort(-proba)
        return {
            "label": labels[order[0]],
            "probabilities": [
                {"label": labels[k], "p": float(proba[k])} for k in order
            ],
        }

    async def read_body(request) -> bytes:
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > max_body_bytes:
            raise _BadRequest(413, _too_large(max_body_bytes))
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_body_bytes:  # chunked, or a lying Content-Length
                raise _BadRequest(413, _too_large(max_body_bytes))
            chunks.append(chunk)
        return b"".join(chunks)

    async def predict(request):
        start = time.perf_counter()
        try:
            data = _decode_body(await read_body(request))
            answer = await run_in_threadpool(classify, data)
        except _BadRequest as exc:
            return JSONResponse({"error": str(exc)}, status_code=exc.status)
        answer["server_ms"] = round(1000 * (time.perf_counter() - start), 2)
        return JSONResponse(answer)

    page = _page(info)

    async def index(request):
        return HTMLResponse(page)

    async def about(request):
        return JSONResponse(info)

    # the first request traces the network's graph and imports what the
    # preparation needs: done here, not in a user's request
    classify(_stroke_png())
    app = Starlette(
        routes=[
            Route("/", index, methods=["GET"]),
            Route("/api/info", about, methods=["GET"]),
            Route("/api/predict", predict, methods=["POST"]),
        ]
    )
    app.state.name = info["name"]
    return app


def _too_large(limit: int) -> str:
    return (
        f"the body is over the limit of {limit // 1024} KiB: send a smaller "
        "image (a PNG of the drawing, or a JPEG)"
    )


def _stroke_png() -> bytes:
    """A drawing of one stroke, as the page sends it (black on white RGBA)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (280, 280), "white")
    ImageDraw.Draw(img).line([(140, 40), (140, 240)], fill="black", width=18)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def _page(info: dict[str, Any]) -> str:
    text = resources.files("sk_lenet.serve").joinpath("static/index.html")
    dataset = info["dataset"] or "images of " + "x".join(map(str, info["image_shape"]))
    title = f" ({info['dataset_title']})" if info["dataset_title"] else ""
    values = {
        "{{name}}": info["name"],
        "{{model}}": info["model"],
        "{{dataset}}": dataset + title,
    }
    page = text.read_text(encoding="utf-8")
    for key, value in values.items():
        page = page.replace(key, html.escape(value))
    return page


def serve(
    model,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    name: str | None = None,
    announce=print,
) -> None:
    """Run :func:`create_app`'s application with uvicorn until interrupted.

    Parameters
    ----------
    model : estimator or sklearn.pipeline.Pipeline
        The fitted model.
    host : str, default="127.0.0.1"
        The address to listen on; only this machine can connect by default.
    port : int, default=8000
        The port; 0 picks a free one.
    name : str, default=None
        What the page calls the model.
    announce : callable, default=print
        Called once with the line saying the URL, when the server listens.

    Raises
    ------
    OSError
        If the address cannot be bound (the port is in use, say).
    """
    _web()
    app = create_app(model, name=name)
    server, sock, url = listening(app, host, port)
    announce(f"Serving {app.state.name} on {url} (Ctrl+C to stop)")
    server.run(sockets=[sock])


def listening(app, host: str, port: int):
    """A quiet uvicorn server for ``app`` and the socket it will serve,
    already bound (so a port in use fails here, with an OSError).

    Returns ``(server, socket, url)``; ``server.run(sockets=[socket])`` serves
    until ``server.should_exit`` is set (or an interrupt, in the main thread).
    """
    import uvicorn

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    return uvicorn.Server(config), sock, f"http://{shown}:{bound}/"
