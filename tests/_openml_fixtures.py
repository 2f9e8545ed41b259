"""Write tiny OpenML caches that ``sklearn.datasets.fetch_openml`` reads offline.

The layout is the one ``fetch_openml(name, version=v, data_home=H)`` looks
up under ``H/openml/openml.org/`` before it would touch the network (the
cache path of a resource is the path component of its URL plus ``.gz``):

* ``api/v1/json/data/list/data_name/<name lower>/limit/2/data_version/<v>.gz``
* ``api/v1/json/data/<data_id>.gz`` (data set description, with the md5 of
  the uncompressed ARFF)
* ``api/v1/json/data/features/<data_id>.gz``
* ``api/v1/json/data/qualities/<data_id>.gz``
* ``data/v1/download/<file_id>/<name>.arff.gz`` (the description's ``url``)
* ``data/v1/download/<file_id>.gz`` (same ARFF, the path older scikit-learn
  versions used)

Only what the tests need is written: dense integer features, one nominal
target.  Nothing here reads ``../shared``.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

MNIST = dict(
    name="mnist_784",
    data_id=554,
    version=1,
    file_id=52667,
    feature_names=[f"pixel{i}" for i in range(1, 785)],
)
CIFAR = dict(
    name="CIFAR_10",
    data_id=40927,
    version=1,
    file_id=16797613,
    feature_names=[f"a{i}" for i in range(3072)],
)


def arff_bytes(
    name: str,
    feature_names: Sequence[str],
    X: np.ndarray,
    y: Sequence,
    class_values: Sequence[str],
    *,
    quote_labels: bool = False,
) -> bytes:
    """The ARFF text OpenML serves: header, then one comma-separated row each."""
    lines = [f"@relation {name}", ""]
    lines += [f"@attribute {f} numeric" for f in feature_names]
    lines += [f"@attribute class {{{','.join(class_values)}}}", "", "@data"]
    q = "'" if quote_labels else ""
    for row, label in zip(np.asarray(X).tolist(), list(y), strict=True):
        lines.append(",".join(str(v) for v in row) + f",{q}{label}{q}")
    return ("\n".join(lines) + "\n").encode("ascii")


def _write_gz(path: Path, payload: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wb", compresslevel=1) as fh:
        fh.write(payload)


def _write_json(path: Path, obj: object) -> None:
    _write_gz(path, json.dumps(obj).encode("utf-8"))


def write_openml_fixture(
    data_home: str | os.PathLike,
    spec: dict,
    X: np.ndarray,
    y: Sequence,
    *,
    class_values: Sequence[str] = tuple(str(i) for i in range(10)),
    quote_labels: bool = False,
    arff: bytes | None = None,
) -> dict[str, Path]:
    """Write one dataset's OpenML cache under ``data_home``; return the paths.

    ``arff`` overrides the generated ARFF text (e.g. to test a malformed
    file); the description's md5 is always that of the bytes written, so
    scikit-learn's own integrity check passes.
    """
    name, did, version, file_id = (
        spec["name"],
        spec["data_id"],
        spec["version"],
        spec["file_id"],
    )
    feature_names = spec["feature_names"]
    X = np.asarray(X)
    if arff is None:
        arff = arff_bytes(
            name, feature_names, X, y, class_values, quote_labels=quote_labels
        )
    md5 = hashlib.md5(arff).hexdigest()
    root = Path(data_home) / "openml" / "openml.org"
    api = root / "api" / "v1" / "json" / "data"
    url = f"https://api.openml.org/data/v1/download/{file_id}/{name}.arff"
    paths = {
        "arff": root / "data" / "v1" / "download" / str(file_id) / f"{name}.arff.gz",
        "arff_legacy": root / "data" / "v1" / "download" / f"{file_id}.gz",
        "list": api
        / "list"
        / "data_name"
        / name.lower()
        / "limit"
        / "2"
        / "data_version"
        / f"{version}.gz",
        "description": api / f"{did}.gz",
        "features": api / "features" / f"{did}.gz",
        "qualities": api / "qualities" / f"{did}.gz",
    }
    _write_gz(paths["arff"], arff)
    _write_gz(paths["arff_legacy"], arff)
    n = X.shape[0]
    quality = [
        {"name": "NumberOfInstances", "value": f"{float(n)!r}"},
        {"name": "NumberOfFeatures", "value": f"{float(len(feature_names) + 1)!r}"},
        {"name": "NumberOfClasses", "value": f"{float(len(class_values))!r}"},
    ]
    _write_json(
        paths["list"],
        {
            "data": {
                "dataset": [
                    {
                        "did": did,
                        "name": name,
                        "version": version,
                        "status": "active",
                        "format": "ARFF",
                        "file_id": file_id,
                        "quality": quality,
                    }
                ]
            }
        },
    )
    _write_json(
        paths["description"],
        {
            "data_set_description": {
                "id": str(did),
                "name": name,
                "version": str(version),
                "description": f"Test fixture standing in for OpenML {name}.",
                "format": "ARFF",
                "url": url,
                "file_id": str(file_id),
                "default_target_attribute": "class",
                "status": "active",
                "md5_checksum": md5,
            }
        },
    )
    features = [
        {
            "index": str(i),
            "name": f,
            "data_type": "numeric",
            "is_target": "false",
            "is_ignore": "false",
            "is_row_identifier": "false",
            "number_of_missing_values": "0",
        }
        for i, f in enumerate(feature_names)
    ]
    features.append(
        {
            "index": str(len(feature_names)),
            "name": "class",
            "data_type": "nominal",
            "nominal_value": list(class_values),
            "is_target": "true",
            "is_ignore": "false",
            "is_row_identifier": "false",
            "number_of_missing_values": "0",
        }
    )
    _write_json(paths["features"], {"data_features": {"feature": features}})
    _write_json(paths["qualities"], {"data_qualities": {"quality": quality}})
    return paths


class _Response(io.BytesIO):
    """What ``urllib.request.urlopen`` returns, as far as sk_lenet reads it."""

    def __init__(self, payload: bytes, headers: dict[str, str]):
        super().__init__(payload)
        self.headers = headers


class FakeOpenML:
    """Stands in for ``sk_lenet._openml._urlopen``: serves an OpenML fixture.

    ``server_home`` is a data_home written by :func:`write_openml_fixture`;
    a request for ``https://api.openml.org/<path>`` is answered with the
    uncompressed content of ``server_home/openml/openml.org/<path>.gz``, or
    HTTP 404.  ``gzip_encoded`` answers gzip-compressed with
    ``Content-Encoding: gzip`` (as a server may); ``tamper`` maps a URL path
    suffix to a function changing the bytes served; ``fail_first`` makes the
    first requests time out.  ``urls`` records every request.
    """

    def __init__(
        self,
        server_home: str | os.PathLike,
        *,
        gzip_encoded: bool = False,
        tamper: dict | None = None,
        fail_first: int = 0,
    ):
        self.root = Path(server_home) / "openml" / "openml.org"
        self.gzip_encoded = gzip_encoded
        self.tamper = dict(tamper or {})
        self.fail_first = fail_first
        self.urls: list[str] = []

    def __call__(self, request, timeout=None):
        from urllib.error import HTTPError, URLError
        from urllib.parse import urlparse

        url = request.full_url
        self.urls.append(url)
        if len(self.urls) <= self.fail_first:
            raise URLError(TimeoutError("timed out"))
        path = urlparse(url).path
        local = self.root / (path.strip("/") + ".gz")
        if not local.is_file():
            raise HTTPError(url, 404, "Not Found", {}, io.BytesIO(b""))
        payload = gzip.decompress(local.read_bytes())
        for suffix, change in self.tamper.items():
            if path.endswith(suffix):
                payload = change(payload)
        if self.gzip_encoded:
            return _Response(gzip.compress(payload), {"Content-Encoding": "gzip"})
        return _Response(payload, {})
