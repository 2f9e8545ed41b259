"""Multilayer perceptron on CIFAR-10 (PyImageSearch's Keras tutorial).

3072-1024-512-10 with relu activations, SGD (learning rate 0.01), 100
epochs, batch 32, on the 50000/10000 train/test split; the tutorial reports
about 57% accuracy.  OpenML's CIFAR_10 rows are channel-planar (1024 red,
1024 green, 1024 blue values), hence ``data_format="channels_first"``.

Run ``python examples/mlp_cifar10.py`` for the tutorial's full
run, or add ``--quick`` for a seconds-long smoke run (1 epoch on a
subsample; on the bundled digits
when cifar10 is not cached).
"""

from _common import load, parse_args, report
from sklearn.pipeline import make_pipeline

from sk_lenet import FeedForwardClassifier, ImageReshaper, PixelScaler


def main(argv=None):
    args = parse_args(__doc__.splitlines()[0], argv)
    X_train, X_test, y_train, y_test, names, used = load("cifar10", args)

    # the CIFAR-10 network; SGD 0.01 and 100 epochs are the estimator's defaults
    clf = FeedForwardClassifier(
        hidden_layer_sizes=(1024, 512),
        activation="relu",
        batch_size=32,
        random_state=args.random_state,
        verbose=2,
    )
    if args.quick:
        clf.set_params(epochs=1)
    model = make_pipeline(
        PixelScaler(max_value=255),  # the tutorial's X / 255.0
        ImageReshaper(
            data_format="channels_first"
        ),  # flat OpenML rows -> (n, h, w, c) images
        clf,
    )
    print(f"training {clf!r}")
    model.fit(X_train, y_train)
    report(model, X_test, y_test, names, output_dir=args.output_dir, stem=f"mlp_{used}")


if __name__ == "__main__":
    main()
