"""The forward kernel floor of ``predict``: LeNet's and LeNet-5's forward
convolutions and matrix products timed alone at the batches ``predict``
cuts, summed over the 10000 MNIST test images.  No float32 ``predict`` with
these kernels is faster.  Moved out of ``benchmarks/_predict.py`` (it reads
the library's private ``_predict_chunks``); the committed "Predict latency"
sections of ``results/`` show the floors it measured.

    SCIKIT_LEARN_DATA=/tmp/openml_home python benchmarks/probes/_predict_floor.py
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).parent)]


def forward_floor(clf, n_images):
    """Seconds the forward kernels alone take for ``n_images``, and each kernel.

    The batches are the ones ``predict`` cuts, each timed at the largest.
    """
    import numpy as np
    from _kernel_floor import _kernels, _time_kernel

    sizes = [len(c) for c in clf._predict_chunks(np.arange(n_images))]
    chunks, size = len(sizes), max(sizes)
    kernels = []
    for name, fn, args in _kernels(clf.model_, size, forward_only=True):
        s = _time_kernel(fn, args, inner=5, repeats=5) * chunks
        kernels.append({"kernel": name, "s": round(s, 4)})
    return sum(k["s"] for k in kernels), {
        "batch": size,
        "batches": chunks,
        "kernels": kernels,
    }


def main():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import sk_lenet
    from sk_lenet.datasets import fetch_mnist

    X, y = fetch_mnist(return_X_y=True)
    for name in ("LeNetClassifier", "LeNet5Classifier"):
        clf = getattr(sk_lenet, name)(epochs=1, random_state=0).fit(X[:5000], y[:5000])
        floor_s, info = forward_floor(clf, 10000)
        print(name, round(floor_s, 3), json.dumps(info), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
