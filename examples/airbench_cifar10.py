"""airbench94 on CIFAR-10 (Keller Jordan 2024), the "cifar10-airbench" recipe.

A 2x2 patch-whitening convolution set from the training images, three
conv-pool-BN-GELU blocks of 64, 256 and 256 filters, trained with Nesterov
SGD, batch 1024, a triangular learning rate, label smoothing 0.2, flips and
2-pixel shifts for 10 epochs, and flip test-time augmentation: airbench94
reaches 94% with it on a GPU.  The recipe is AirbenchClassifier's defaults.

Run ``python examples/airbench_cifar10.py`` for the recipe's full run (tens
of minutes on a CPU), or add ``--quick`` for a seconds-long smoke run (1
epoch of narrower blocks on a subsample; on the bundled digits, grey and
8x8, without flips, when cifar10 is not cached).
"""

from _common import run_recipe

#: The ``--quick`` run's narrower network, smaller batch and rate.
QUICK = {"widths": (16, 32, 32), "batch_size": 128, "learning_rate": 0.1}


def main(argv=None):
    run_recipe("cifar10-airbench", argv, quick=QUICK)


if __name__ == "__main__":
    main()
