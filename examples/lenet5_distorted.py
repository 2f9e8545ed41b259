"""LeNet-5 in the paper's form trained on distorted digits: recipe ``lenet5-distorted``.

LeCun et al. (1998) report 0.95 % test error for LeNet-5 on MNIST and 0.8 %
when the training digits are distorted.  This recipe is that setting with
sk_lenet's options: the digits zero-padded to 32x32 as in the paper
(``zero_padding=2``), random rotation, shift and zoom while fitting
(``augment="digits"``) and Adam with a one-cycle schedule.  Its parameters
live in :data:`sk_lenet.recipes.RECIPES` and are printed when training
starts; its measured accuracy is on the "Beyond the tutorials" page of the
docs.

Run ``python examples/lenet5_distorted.py`` for the full run on MNIST, or add
``--quick`` for a seconds-long smoke run (1 epoch on a subsample; on the
bundled digits when mnist is not cached).
"""

from _common import run_recipe


def main(argv=None):
    run_recipe("lenet5-distorted", argv)


if __name__ == "__main__":
    main()
