"""LeNet on MNIST (PyImageSearch, "LeNet - Convolutional Neural Network in Python").

Two conv/pool blocks (20 and 50 filters, 5x5) and a 500-unit dense layer,
trained with SGD (learning rate 0.01) for 20 epochs, batch 128, on the 60000
MNIST training images; the tutorial reports about 98.5% test accuracy.

Run ``python examples/lenet_mnist.py`` for the tutorial's full
run, or add ``--quick`` for a seconds-long smoke run (1 epoch on a
subsample; on the bundled digits
when mnist is not cached).
"""

from _common import load, parse_args, report
from sklearn.pipeline import make_pipeline

from sk_lenet import ImageReshaper, LeNetClassifier, PixelScaler


def main(argv=None):
    args = parse_args(__doc__.splitlines()[0], argv)
    X_train, X_test, y_train, y_test, names, used = load("mnist", args)

    # the tutorial's network and training schedule are the estimator's defaults
    clf = LeNetClassifier(random_state=args.random_state, verbose=2)
    if args.quick:
        clf.set_params(epochs=1)
    model = make_pipeline(
        PixelScaler(max_value=255),  # the tutorial's X / 255.0
        ImageReshaper(),  # flat OpenML rows -> (n, h, w, c) images
        clf,
    )
    print(f"training {clf!r}")
    model.fit(X_train, y_train)
    report(
        model, X_test, y_test, names, output_dir=args.output_dir, stem=f"lenet_{used}"
    )


if __name__ == "__main__":
    main()
