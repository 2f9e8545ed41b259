"""Pipeline -> pickle -> reload -> predict: saving a trained model.

A fitted sk_lenet estimator pickles with its Keras network inside (scikeras
stores the weights in the pickle), alone or inside a scikit-learn
:class:`~sklearn.pipeline.Pipeline`.  The reloaded model predicts exactly
what the original did.  Only unpickle files you trust: loading a pickle can
run arbitrary code.

Runs on the bundled 8x8 digits in seconds; ``--quick`` trains one epoch.
"""

import os
import pickle

import numpy as np
from _common import load, parse_args, report
from sklearn.pipeline import make_pipeline

from sk_lenet import ImageReshaper, LeNetClassifier, PixelScaler


def main(argv=None):
    args = parse_args(__doc__.splitlines()[0], argv)
    X_train, X_test, y_train, y_test, names, used = load("digits", args)

    model = make_pipeline(
        PixelScaler(max_value=255),
        ImageReshaper(),
        LeNetClassifier(
            learning_rate=0.05,
            momentum=0.9,
            batch_size=32,
            epochs=1 if args.quick else 8,
            random_state=args.random_state,
        ),
    )
    model.fit(X_train, y_train)
    report(
        model,
        X_test,
        y_test,
        names,
        output_dir=args.output_dir,
        stem=f"pipeline_pickle_{used}",
    )

    os.makedirs(args.output_dir, exist_ok=True)
    path = os.path.join(args.output_dir, "lenet_digits_pipeline.pkl")
    with open(path, "wb") as fh:
        pickle.dump(model, fh)
    print(f"saved {path} ({os.path.getsize(path) / 1e6:.1f} MB)")

    with open(path, "rb") as fh:
        reloaded = pickle.load(fh)
    same = np.array_equal(reloaded.predict(X_test), model.predict(X_test))
    close = np.allclose(reloaded.predict_proba(X_test), model.predict_proba(X_test))
    print(f"reloaded model predicts the same labels: {same}, probabilities: {close}")
    print("first test images:", reloaded.predict(X_test[:10]), "true:", y_test[:10])
    if not (same and close):
        raise SystemExit("the reloaded model disagrees with the original")


if __name__ == "__main__":
    main()
