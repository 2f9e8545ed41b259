"""Choose a recipe's parameters on a VALIDATION split, never on the test set.

Trains ``make_recipe(NAME, **overrides)`` on the first 50000 images of MNIST's
training set (CIFAR-10: the first 40000) and scores the last 10000 training
images after every epoch by a callback whose own time is subtracted from the
fit clock.  Prints one JSON line per epoch and one summary line per
candidate: the fit seconds at which validation accuracy first reached
``--target``, the last epoch's validation accuracy and the whole fit time.
The test set is never loaded.

    SCIKIT_LEARN_DATA=/tmp/openml_home python benchmarks/probes/beyond_recipes.py \\
        mnist-fast '{"batch_size": 512, "learning_rate": 0.01, "epochs": 3}' ...

Each further argument is one candidate: a JSON object of parameters that
replace the recipe's (``{}``: the recipe as it stands); with an
``"estimator"`` key, that estimator with the candidate's parameters alone
(another network for the recipe).  ``--max-epochs`` only
stops a candidate early; its schedule stays sized from its ``epochs``, so use
it only for a projection of s/epoch (CIFAR-10).
"""

from __future__ import annotations

import argparse
import json
import os
import time

N_VAL = 10000


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("recipe")
    p.add_argument("candidates", nargs="*", default=["{}"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--target", type=float, default=None)
    p.add_argument("--max-epochs", type=int, default=None)
    args = p.parse_intermixed_args(argv)

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # sk_lenet before Keras, as a user imports it (it turns oneDNN on).
    from sk_lenet.datasets import load_train_test
    from sk_lenet.preprocessing import rows_to_images
    from sk_lenet.recipes import RECIPES, make_recipe

    import keras  # isort: skip
    import numpy as np

    dataset = RECIPES[args.recipe].dataset
    data = load_train_test(dataset, download_if_missing=False)
    # images, not rows: OpenML's CIFAR_10 rows are channel-planar
    X = rows_to_images(data.X_train, data.image_shape, data.data_format)
    y = data.y_train
    X_fit, y_fit, X_val, y_val = X[:-N_VAL], y[:-N_VAL], X[-N_VAL:], y[-N_VAL:]
    for text in args.candidates:
        overrides = json.loads(text)
        log = []

        class Clock(keras.callbacks.Callback):
            t0 = 0.0
            excluded = 0.0

            def __init__(self, log):
                super().__init__()
                self.log = log

            def on_epoch_end(self, epoch, logs=None):
                t = time.perf_counter()
                # The network takes uint8 images (its scaling is inside it).
                probs = np.concatenate(
                    [
                        keras.ops.convert_to_numpy(
                            self.model(X_val[i : i + 2048], training=False)
                        )
                        for i in range(0, len(X_val), 2048)
                    ]
                )
                acc = float(np.mean(probs.argmax(1) == y_val))
                self.log.append(
                    {
                        "epoch": epoch + 1,
                        "fit_s": round(t - self.t0 - self.excluded, 2),
                        "val_acc": acc,
                        "load1": round(os.getloadavg()[0], 2),
                    }
                )
                print(json.dumps(self.log[-1]), flush=True)
                if args.max_epochs and epoch + 1 >= args.max_epochs:
                    self.model.stop_training = True
                self.excluded += time.perf_counter() - t

        clock = Clock(log)
        kw = {"random_state": args.seed, "callbacks": [clock]}
        if "estimator" in overrides:  # another network: its parameters alone
            import sk_lenet

            params = {k: v for k, v in overrides.items() if k != "estimator"}
            clf = getattr(sk_lenet, overrides["estimator"])(**params, **kw)
        else:
            clf = make_recipe(args.recipe, **overrides, **kw)
        clock.t0 = time.perf_counter()
        clf.fit(X_fit, y_fit)
        hit = None
        if args.target is not None:
            hit = next((r for r in log if r["val_acc"] >= args.target), None)
        print(
            json.dumps(
                {
                    "recipe": args.recipe,
                    "overrides": overrides,
                    "seed": args.seed,
                    "val_acc": log[-1]["val_acc"],
                    "fit_s": log[-1]["fit_s"],
                    "target_reached": hit,
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
