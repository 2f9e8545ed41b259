"""The most accurate MNIST model of sk_lenet: recipe ``mnist-best``.

A wider LeNet-5 (ReLU, batch normalization after every convolution) trained
on randomly rotated, shifted and zoomed digits with Adam and a one-cycle
schedule: the ingredients of the best published single small CNNs on MNIST
(about 99.65 %).  Its parameters live in :data:`sk_lenet.recipes.RECIPES` and
are printed when training starts; its measured accuracy is on the "Beyond
the tutorials" page of the docs.

Run ``python examples/mnist_best.py`` for the full run on MNIST, or add
``--quick`` for a seconds-long smoke run (1 epoch on a subsample; on the
bundled digits when mnist is not cached).
"""

from _common import run_recipe


def main(argv=None):
    run_recipe("mnist-best", argv)


if __name__ == "__main__":
    main()
