"""sk_lenet._pipeline: the estimator at the end of a Pipeline."""

from __future__ import annotations

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sk_lenet._pipeline import final_estimator


def test_final_estimator():
    clf = LogisticRegression()
    assert final_estimator(make_pipeline(StandardScaler(), clf)) is clf
    assert final_estimator(clf) is clf
