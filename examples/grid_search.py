"""Grid search over LeNet's filters and learning rate with GridSearchCV.

The estimators are ordinary scikit-learn classifiers, so a
:class:`~sklearn.pipeline.Pipeline` of :class:`~sk_lenet.PixelScaler`,
:class:`~sk_lenet.ImageReshaper` and :class:`~sk_lenet.LeNetClassifier` goes
straight into :class:`~sklearn.model_selection.GridSearchCV`; parameters of the
network are addressed as ``lenetclassifier__<name>``.

Runs on the bundled 8x8 digits (offline, about a minute on 2 cores); pass
``--dataset mnist`` for the real thing.  ``--quick``: a 2x1 grid, 2 folds,
1 epoch.  The same search from the command line::

    sk-lenet grid-search --param filters=4,8:8,16 --param learning_rate=0.01,0.1
"""

import os
import pickle

import pandas as pd
from _common import load, parse_args, report
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline

from sk_lenet import ImageReshaper, LeNetClassifier, PixelScaler


def main(argv=None):
    import sys

    argv = sys.argv[1:] if argv is None else list(argv)
    dataset = "digits"
    if "--dataset" in argv:
        i = argv.index("--dataset")
        dataset = argv[i + 1]
        del argv[i : i + 2]
    args = parse_args(__doc__.splitlines()[0], argv)
    X_train, X_test, y_train, y_test, names, used = load(dataset, args)

    model = make_pipeline(
        PixelScaler(max_value=255),
        ImageReshaper(),
        LeNetClassifier(
            momentum=0.9, batch_size=32, epochs=8, random_state=args.random_state
        ),
    )
    grid = {
        "lenetclassifier__filters": [(4, 8), (8, 16), (20, 50)],
        "lenetclassifier__learning_rate": [0.01, 0.05],
    }
    folds = 3
    if args.quick:
        grid = {
            "lenetclassifier__filters": [(4, 8), (8, 16)],
            "lenetclassifier__learning_rate": [0.05],
        }
        model.set_params(lenetclassifier__epochs=1)
        folds = 2
    cv = StratifiedKFold(folds, shuffle=True, random_state=args.random_state)
    search = GridSearchCV(model, grid, cv=cv, n_jobs=1)
    search.fit(X_train, y_train)

    results = pd.DataFrame(search.cv_results_).sort_values("rank_test_score")
    columns = ["rank_test_score", "mean_test_score", "std_test_score"]
    columns += ["mean_fit_time", *(f"param_{k}" for k in grid)]
    with pd.option_context("display.width", 120):
        print(results[columns].to_string(index=False))
    print(f"best: {search.best_params_}  (CV accuracy {search.best_score_:.4f})")

    report(
        search.best_estimator_,
        X_test,
        y_test,
        names,
        output_dir=args.output_dir,
        stem=f"grid_search_{used}",
    )
    path = os.path.join(args.output_dir, f"grid_search_{used}_best.pkl")
    with open(path, "wb") as fh:
        pickle.dump(search.best_estimator_, fh)
    print(f"saved {path}")


if __name__ == "__main__":
    main()
