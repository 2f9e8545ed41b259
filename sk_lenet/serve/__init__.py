"""``sk-lenet serve``: a local web page where a person draws a digit (or drops
an image) and watches a fitted model read it.

Needs the ``serve`` extra (``pip install "sk-lenet[serve]"``: Starlette,
uvicorn and Pillow).  :func:`create_app` builds the application around a
fitted model; :func:`serve` runs it.  The drawing is prepared as MNIST's
digits were (:mod:`sk_lenet._images`), the same preparation as
``sk-lenet predict``.
"""

from __future__ import annotations

from sk_lenet.serve.app import MAX_BODY_BYTES, create_app, serve

__all__ = ["MAX_BODY_BYTES", "create_app", "serve"]
