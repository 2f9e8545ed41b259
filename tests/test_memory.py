"""Memory stays bounded over many fits in one process (grid searches).

Stated bounds, measured on the CI machine (2 cores, TF 2.21):

* fits of at most 32 steps (small data: run eagerly) leave nothing behind;
  50 of them grow the resident set by under 20 MB in all;
* longer fits (graph-compiled) keep about 1 MB per fit: TensorFlow holds on to
  each traced training-step graph after its network is gone (it is referenced
  from TensorFlow's C++ side).  The bound asserted is 2 MB per fit.  The
  ``"accuracy"`` metric string used to add ~2 MB more per fit; sk_lenet
  compiles an explicit metric object instead.
"""

from __future__ import annotations

import gc

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from sk_lenet import LeNetClassifier

psutil = pytest.importorskip("psutil")

X = np.random.default_rng(0).integers(0, 256, size=(200, 64)).astype(np.uint8)
y = np.arange(200) % 5


def _rss_mb() -> float:
    gc.collect()
    return psutil.Process().memory_info().rss / 2**20


def _tiny(**params):
    return LeNetClassifier(filters=(4, 8), dense_units=16, random_state=0, **params)


@pytest.mark.slow
def test_grid_search_of_50_small_fits_keeps_memory_flat():
    grid = {"learning_rate": list(np.linspace(0.01, 0.1, 25))}
    search = GridSearchCV(_tiny(epochs=1, batch_size=32), grid, cv=2)
    search.set_params(param_grid={"learning_rate": grid["learning_rate"][:3]}).fit(X, y)
    before = _rss_mb()
    search.set_params(param_grid=grid).fit(X, y)  # 25 candidates x 2 folds
    assert len(search.cv_results_["params"]) == 25
    assert _rss_mb() - before < 20


@pytest.mark.slow
def test_graph_compiled_fits_grow_memory_boundedly():
    for seed in range(3):  # warm up TensorFlow's caches
        _tiny(epochs=2, batch_size=8).set_params(random_state=seed).fit(X, y)
    before = _rss_mb()
    n_fits = 30
    for seed in range(n_fits):
        _tiny(epochs=2, batch_size=8).set_params(random_state=seed).fit(X, y)
    assert (_rss_mb() - before) / n_fits < 2.0
