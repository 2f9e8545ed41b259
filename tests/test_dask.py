"""GridSearchCV on a Dask cluster through joblib's Dask backend.

The same code runs on a real cluster: replace ``LocalCluster(...)`` by the
scheduler's address, ``Client("tcp://scheduler:8786")``.
"""

from __future__ import annotations

import numpy as np
import pytest
from joblib import parallel_backend
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sk_lenet import ImageReshaper, LeNetClassifier, PixelScaler
from tests.conftest import fast

distributed = pytest.importorskip("distributed")


def _search():
    return GridSearchCV(
        make_pipeline(PixelScaler(), ImageReshaper(), fast(LeNetClassifier)),
        {
            "lenetclassifier__filters": [(4, 8), (8, 16)],
            "lenetclassifier__learning_rate": [0.01, 0.1],
        },
        cv=2,
    )


@pytest.mark.slow
def test_grid_search_on_a_dask_cluster_matches_the_local_run(small_digits):
    X, X_test, y, _ = small_digits
    local = _search().fit(X, y)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        with parallel_backend("dask"):
            remote = _search().fit(X, y)
        workers_used = client.run(lambda: __import__("os").getpid())
    assert len(workers_used) == 2
    np.testing.assert_array_equal(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )
    assert remote.best_params_ == local.best_params_
    assert np.array_equal(
        remote.best_estimator_.predict_proba(X_test),
        local.best_estimator_.predict_proba(X_test),
    )
