"""Fit seconds until MNIST test accuracy first reaches 99.0% (sk_lenet side).

The test set is scored after every epoch by a callback whose own time is
subtracted, so the clock counts ``fit`` only (network build included).
Training stops at the first epoch at or above the target.

    python benchmarks/_time_to_99.py --config lenet5_relu_adam --max-epochs 15
"""

from __future__ import annotations

import argparse
import json
import os
import time

CONFIGS = {
    # name -> (estimator class name, parameters)
    "lenet_adam": ("LeNetClassifier", {"optimizer": "adam", "learning_rate": 1e-3}),
    "lenet5_relu_adam": (
        "LeNet5Classifier",
        {"activation": "relu", "optimizer": "adam", "learning_rate": 2e-3},
    ),
    "simplified_adam": ("SimplifiedLeNetClassifier", {"learning_rate": 1e-3}),
}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--config", default="lenet5_relu_adam", choices=list(CONFIGS))
    p.add_argument("--max-epochs", type=int, default=15)
    p.add_argument("--target", type=float, default=0.99)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()

    from sk_lenet._tf import quiet_import_tensorflow

    quiet_import_tensorflow()
    import keras
    import numpy as np

    import sk_lenet
    from sk_lenet.datasets import fetch_mnist

    Xtr, ytr = fetch_mnist(subset="train", as_images=True, return_X_y=True)
    Xte, yte = fetch_mnist(subset="test", as_images=True, return_X_y=True)
    cls_name, params = CONFIGS[args.config]
    log = []

    class Clock(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.t0 = None
            self.excluded = 0.0

        def on_epoch_end(self, epoch, logs=None):
            t = time.perf_counter()
            fit_s = t - self.t0 - self.excluded
            probs = np.concatenate(
                [
                    keras.ops.convert_to_numpy(self.model(Xte[i : i + 2048]))
                    for i in range(0, len(Xte), 2048)
                ]
            )
            acc = float(np.mean(probs.argmax(1) == yte))
            log.append(
                {
                    "epoch": epoch + 1,
                    "fit_s": round(fit_s, 2),
                    "test_acc": acc,
                    "load1": round(os.getloadavg()[0], 2),
                }
            )
            print(json.dumps(log[-1]), flush=True)
            if acc >= args.target:
                self.model.stop_training = True
            self.excluded += time.perf_counter() - t

    clock = Clock()
    clf = getattr(sk_lenet, cls_name)(
        **params, epochs=args.max_epochs, random_state=args.seed, callbacks=[clock]
    )
    clock.t0 = time.perf_counter()
    clf.fit(Xtr, ytr)
    hit = next((r for r in log if r["test_acc"] >= args.target), None)
    print(
        json.dumps(
            {
                "config": args.config,
                "estimator": cls_name,
                "params": params,
                "batch_size": clf.batch_size,
                "seed": args.seed,
                "reached": hit,
                "epochs_run": len(log),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
