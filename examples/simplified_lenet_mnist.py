"""Simplified LeNet on MNIST: one conv block and a dense layer, trained with Adam.

32 3x3 filters, max pooling, a 128-unit dense layer; Adam (learning rate
0.001) for 5 epochs, batch 128.

Run ``python examples/simplified_lenet_mnist.py`` for the tutorial's full
run, or add ``--quick`` for a seconds-long smoke run (1 epoch on a
subsample; on the bundled digits
when mnist is not cached).
"""

from _common import load, parse_args, report
from sklearn.pipeline import make_pipeline

from sk_lenet import ImageReshaper, PixelScaler, SimplifiedLeNetClassifier


def main(argv=None):
    args = parse_args(__doc__.splitlines()[0], argv)
    X_train, X_test, y_train, y_test, names, used = load("mnist", args)

    # the tutorial's network and training schedule are the estimator's defaults
    clf = SimplifiedLeNetClassifier(random_state=args.random_state, verbose=2)
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
        model,
        X_test,
        y_test,
        names,
        output_dir=args.output_dir,
        stem=f"simplified_lenet_{used}",
    )


if __name__ == "__main__":
    main()
