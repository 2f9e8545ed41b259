"""PyImageSearch's LeNet on CIFAR-10, trained well: recipe ``cifar10-lenet``.

The LeNet of ``lenet_mnist.py`` on colour images, with batch normalization,
random horizontal flips and shifts while fitting (``augment="colour"``),
label smoothing, Adam with a one-cycle schedule, and flip test-time
augmentation (``tta=True``: each test image is classified together with its
mirror image).  Its parameters live in :data:`sk_lenet.recipes.RECIPES` and
are printed when training starts; its measured accuracy is on the "Beyond
the tutorials" page of the docs.

Run ``python examples/cifar10_lenet.py`` for the full run on CIFAR-10, or add
``--quick`` for a seconds-long smoke run (1 epoch on a subsample; on the
bundled digits, without test-time flips, when cifar10 is not cached).
"""

from _common import run_recipe


def main(argv=None):
    run_recipe("cifar10-lenet", argv)


if __name__ == "__main__":
    main()
