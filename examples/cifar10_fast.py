"""airbench94's recipe at half its widths: recipe ``cifar10-fast``.

``AirbenchClassifier`` (patch whitening, three conv-pool-BN-GELU blocks)
with 32, 128 and 128 filters instead of airbench94's 64, 256 and 256, and
airbench94's recipe otherwise: a quarter of the arithmetic of
``airbench_cifar10.py``, for when a good CIFAR-10 model is wanted within
half an hour on a laptop CPU.  Its parameters live in
:data:`sk_lenet.recipes.RECIPES` and are printed when training starts; its
measured accuracy is on the "Beyond the tutorials" page of the docs.

Run ``python examples/cifar10_fast.py`` for the full run on CIFAR-10, or add
``--quick`` for a seconds-long smoke run (1 epoch of narrower blocks on a
subsample; on the bundled digits, grey and 8x8, without flips, when cifar10
is not cached).
"""

from _common import run_recipe
from airbench_cifar10 import QUICK


def main(argv=None):
    run_recipe("cifar10-fast", argv, quick=QUICK)


if __name__ == "__main__":
    main()
