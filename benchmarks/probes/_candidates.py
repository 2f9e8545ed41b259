"""Which training settings make sk_lenet's fit faster? A/B trials.

Each trial builds the network exactly as ``ImageClassifierBase`` does (uint8
input, ``Rescaling`` inside the graph, the subclass's ``_layers``, softmax
head, sparse labels, the estimator's optimizer), seeds Keras identically and
trains it for ``--epochs`` on full MNIST, changing one thing:

* ``base``       sk_lenet today (numpy uint8 arrays, compile defaults);
* ``estimator``  the real ``clf.fit`` (base plus scikeras' bookkeeping);
* ``estimator_keras_feed``  the same with the data given to Keras as
  arrays (Keras' own ``tf.data`` feed, whose seeded shuffle repeats the
  first epoch's order) in place of batches gathered inside the traced step;
* ``tutorial``   float32 /255 in NumPy + one-hot + categorical_crossentropy;
* ``spe8`` / ``spe32`` / ``spe128`` / ``spe469``
  ``compile(steps_per_execution=N)`` (469: a whole MNIST epoch per call);
* ``jit``        ``compile(jit_compile=True)`` (XLA on CPU);
* ``jit_spe32``  both;
* ``tfdata``     a prebuilt ``tf.data`` pipeline (shuffle, batch, prefetch);
* ``keras_adam`` / ``fused_adam``
  ``steps_per_execution=32`` (sk_lenet's setting) with Keras' own Adam update
  (``keras_adam`` is ``spe32`` under the name of this comparison),
  or with it routed through TensorFlow's fused kernel as ``clf.fit`` does
  (``sk_lenet._optimizers.fuse_adam_updates``); for the Adam networks
  (``simplified_lenet``, ``dropout_cnn``, ``lenet5_relu_adam``);
* ``relu_after_pool``  ``fused_adam`` with every ``Conv2D(activation="relu")``
  that feeds a ``MaxPooling2D`` rewritten as a linear ``Conv2D``, the pooling,
  then ``ReLU``: max-pooling commutes with ReLU, so forward values and
  gradients are the same bits (the trial's predictions agree with
  ``fused_adam``'s), with ReLU's backward pass on a quarter of the elements.

``base`` and the ``spe*`` / ``jit*`` / ``tfdata`` trials keep Keras' own
optimizer update.

Trials run interleaved (A B C ..., A B C ...) in one process; the process
level settings (``TF_ENABLE_ONEDNN_OPTS``, ``tf.config.threading``) are the
``--process`` variants, run as separate interleaved processes by ``--driver``.
Each trial prints one JSON line: fit seconds, test loss/accuracy and how many
test predictions agree with the first ``base`` trial of the process.

    python benchmarks/_candidates.py --model lenet5 --reps 2 \\
        --trials base spe8 spe32 jit tutorial tfdata
    python benchmarks/_candidates.py --driver --model lenet5 --reps 2
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time


def _setup_process(variant):
    if variant == "onednn_off":
        os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"
    if variant == "interop_env_1":
        os.environ["TF_NUM_INTEROP_THREADS"] = "1"
    from sk_lenet._tf import quiet_import_tensorflow

    quiet_import_tensorflow()
    import tensorflow as tf

    if variant == "threads_2_1":
        tf.config.threading.set_intra_op_parallelism_threads(2)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    elif variant == "threads_1_1":
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)


def _estimator(model, **kw):
    import sk_lenet

    cls = {
        "lenet": sk_lenet.LeNetClassifier,
        "lenet5": sk_lenet.LeNet5Classifier,
        "simplified_lenet": sk_lenet.SimplifiedLeNetClassifier,
        "dropout_cnn": sk_lenet.DropoutCNNClassifier,
        # The network of the quickest route to 99% (_time_to_99.py).
        "lenet5_relu_adam": lambda **kw: sk_lenet.LeNet5Classifier(
            activation="relu", optimizer="adam", learning_rate=3e-3, **kw
        ),
        "mlp_mnist": sk_lenet.FeedForwardClassifier,
        "mlp_cifar10": lambda **kw: sk_lenet.FeedForwardClassifier(
            (1024, 512), "relu", batch_size=32, **kw
        ),
    }[model]
    return cls(random_state=0, **kw)


def _build(clf, n_classes, compile_kwargs, tutorial=False, relu_after_pool=False):
    import keras
    from keras import layers

    inputs = keras.Input(shape=(28, 28, 1), name="image")
    x = inputs if tutorial else layers.Rescaling(1 / 255)(inputs)
    body = clf._layers()
    pending_relu = False
    for layer, nxt in zip(body, [*body[1:], None], strict=True):
        moved = (
            relu_after_pool
            and isinstance(layer, layers.Conv2D)
            and isinstance(nxt, layers.MaxPooling2D)
            and keras.activations.serialize(layer.activation) == "relu"
        )
        if moved:
            # In place, so the layer keeps the initializer seeds it drew.
            layer.activation = keras.activations.linear
        x = layer(x)
        if isinstance(layer, layers.MaxPooling2D) and pending_relu:
            x = layers.ReLU()(x)
        pending_relu = moved
    outputs = layers.Dense(n_classes, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    loss = "categorical_crossentropy" if tutorial else "sparse_categorical_crossentropy"
    metric = (
        keras.metrics.CategoricalAccuracy(name="accuracy")
        if tutorial
        else keras.metrics.SparseCategoricalAccuracy(name="accuracy")
    )
    model.compile(
        optimizer=clf._make_optimizer(), loss=loss, metrics=[metric], **compile_kwargs
    )
    return model


def trial(name, model_name, data, epochs):
    import keras
    import numpy as np
    import tensorflow as tf

    Xtr, ytr, Xte, yte = data
    clf = _estimator(model_name, epochs=epochs, validation_fraction=0.0)
    keras.utils.set_random_seed(0)
    t0 = time.perf_counter()
    if name in ("estimator", "estimator_keras_feed"):
        if name == "estimator_keras_feed":
            clf._batch_feed = lambda *args: None
        clf.fit(Xtr, ytr)
        m = clf.model_
        fit_s = time.perf_counter() - t0
    else:
        ck = {
            "spe8": {"steps_per_execution": 8},
            "spe32": {"steps_per_execution": 32},
            "spe128": {"steps_per_execution": 128},
            "spe469": {"steps_per_execution": 469},
            "jit": {"jit_compile": True},
            "jit_spe32": {"jit_compile": True, "steps_per_execution": 32},
            "keras_adam": {"steps_per_execution": 32},
            "fused_adam": {"steps_per_execution": 32},
            "relu_after_pool": {"steps_per_execution": 32},
        }.get(name, {})
        tutorial = name == "tutorial"
        m = _build(
            clf, 10, ck, tutorial=tutorial, relu_after_pool=name == "relu_after_pool"
        )
        if name in ("fused_adam", "relu_after_pool"):
            from sk_lenet._optimizers import fuse_adam_updates

            fuse_adam_updates(m.optimizer)
            assert "update_step" in vars(m.optimizer), "not a plain Keras Adam"
        bs = clf.batch_size
        if tutorial:
            X = Xtr.astype("float32") / 255.0
            m.fit(
                X,
                keras.utils.to_categorical(ytr, 10),
                batch_size=bs,
                epochs=epochs,
                verbose=0,
            )
        elif name == "tfdata":
            ds = (
                tf.data.Dataset.from_tensor_slices((Xtr, ytr))
                .shuffle(len(ytr), seed=0, reshuffle_each_iteration=True)
                .batch(bs)
                .prefetch(tf.data.AUTOTUNE)
            )
            m.fit(ds, epochs=epochs, verbose=0)
        else:
            m.fit(Xtr, ytr, batch_size=bs, epochs=epochs, verbose=0)
        fit_s = time.perf_counter() - t0
    Xin = Xte.astype("float32") / 255.0 if name == "tutorial" else Xte
    probs = np.concatenate(
        [
            keras.ops.convert_to_numpy(m(Xin[i : i + 1024], training=False))
            for i in range(0, len(Xin), 1024)
        ]
    )
    loss = float(-np.mean(np.log(np.maximum(probs[np.arange(len(yte)), yte], 1e-12))))
    return fit_s, loss, probs.argmax(1)


def run_trials(args):
    import numpy as np

    _setup_process(args.process)
    from sk_lenet.datasets import fetch_mnist

    Xtr, ytr = fetch_mnist(subset="train", as_images=True, return_X_y=True)
    Xte, yte = fetch_mnist(subset="test", as_images=True, return_X_y=True)
    data = (Xtr, ytr, Xte, yte)
    ref = None
    for rep in range(args.reps):
        for name in args.trials:
            load = os.getloadavg()[0]
            fit_s, loss, pred = trial(name, args.model, data, args.epochs)
            if ref is None:
                ref = pred
            print(
                json.dumps(
                    {
                        "model": args.model,
                        "process": args.process,
                        "trial": name,
                        "rep": rep,
                        "epochs": args.epochs,
                        "fit_s": round(fit_s, 3),
                        "test_loss": round(loss, 5),
                        "test_acc": round(float(np.mean(pred == yte)), 5),
                        "agree_with_first": round(float(np.mean(pred == ref)), 5),
                        "load1": round(load, 2),
                    }
                ),
                flush=True,
            )


def driver(args):
    rows = []
    for _ in range(args.reps):
        for variant in args.processes:
            cmd = [
                sys.executable,
                __file__,
                "--model",
                args.model,
                "--reps",
                "1",
                "--epochs",
                str(args.epochs),
                "--process",
                variant,
                "--trials",
                *args.trials,
            ]
            out = subprocess.run(cmd, capture_output=True, text=True, check=True)
            for line in out.stdout.splitlines():
                if line.startswith("{"):
                    print(line, flush=True)
                    rows.append(json.loads(line))
    by = {}
    for r in rows:
        by.setdefault((r["process"], r["trial"]), []).append(r["fit_s"])
    for k, v in by.items():
        print(f"# {k}: median fit {statistics.median(v):.2f}s over {len(v)}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="lenet5")
    p.add_argument("--trials", nargs="+", default=["base"])
    p.add_argument("--reps", type=int, default=2)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--process", default="default")
    p.add_argument("--driver", action="store_true")
    p.add_argument(
        "--processes", nargs="+", default=["default", "onednn_off", "threads_2_1"]
    )
    args = p.parse_args()
    if args.driver:
        driver(args)
    else:
        run_trials(args)


if __name__ == "__main__":
    main()
