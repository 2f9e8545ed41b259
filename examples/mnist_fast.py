"""The fastest way to 99 % on MNIST: recipe ``mnist-fast``.

LeNet-5 trained for a few epochs under a schedule fixed beforehand (no early
stopping, nothing chosen on the test set).  Its parameters live in
:data:`sk_lenet.recipes.RECIPES` and are printed when training starts; its
measured time to 99 % is on the "Beyond the tutorials" page of the docs.

Run ``python examples/mnist_fast.py`` for the full run on MNIST, or add
``--quick`` for a seconds-long smoke run (1 epoch on a subsample; on the
bundled digits when mnist is not cached).
"""

from _common import run_recipe


def main(argv=None):
    run_recipe("mnist-fast", argv)


if __name__ == "__main__":
    main()
