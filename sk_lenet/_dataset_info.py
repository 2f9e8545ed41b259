"""The facts about each dataset, in one light module.

:mod:`sk_lenet.datasets` publishes them (:class:`DatasetInfo`,
:func:`~sk_lenet.datasets.dataset_info`, :data:`DATASETS`, the quick sizes);
they live here, importing nothing heavier than the standard library, so that
``sk-lenet --help`` builds its choices without loading scikit-learn.
"""

from __future__ import annotations

import dataclasses

#: Training images of a quick run: the CLI's and the examples' ``--quick``.
QUICK_TRAIN: int = 1000
#: Test images of a quick run.
QUICK_TEST: int = 300


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """Facts about one dataset of :mod:`sk_lenet.datasets`.

    Returned by :func:`dataset_info`; the loaders take their shapes, layouts
    and class names from here.

    Attributes
    ----------
    name : str
        The canonical name (``"digits"``, ``"mnist"`` or ``"cifar10"``).
    title : str
        A short human description.
    image_shape : tuple of int
        ``(height, width, channels)`` of one image.
    data_format : {"channels_last", "channels_first"}
        Layout of the flat rows: ``"channels_first"`` for OpenML's
        channel-planar CIFAR_10 (all red values, then green, then blue);
        pass it to :class:`~sk_lenet.ImageReshaper` and
        :func:`~sk_lenet.preprocessing.rows_to_images`.
    target_names : tuple of str
        Class names; ``target_names[k]`` names class index ``k``.
    """

    name: str
    title: str
    image_shape: tuple[int, int, int]
    data_format: str
    target_names: tuple[str, ...]


CIFAR10_CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
_DIGIT_NAMES = tuple(str(i) for i in range(10))

_INFO: dict[str, DatasetInfo] = {
    "digits": DatasetInfo(
        name="digits",
        title="scikit-learn's bundled 8x8 handwritten digits",
        image_shape=(8, 8, 1),
        data_format="channels_last",
        target_names=_DIGIT_NAMES,
    ),
    "mnist": DatasetInfo(
        name="mnist",
        title="MNIST handwritten digits",
        image_shape=(28, 28, 1),
        data_format="channels_last",
        target_names=_DIGIT_NAMES,
    ),
    "cifar10": DatasetInfo(
        name="cifar10",
        title="CIFAR-10 tiny colour images",
        image_shape=(32, 32, 3),
        data_format="channels_first",  # OpenML's rows are channel-planar
        target_names=CIFAR10_CLASSES,
    ),
}

#: Names accepted by :func:`load_dataset` (aliases: ``mnist_784``,
#: ``cifar_10``, ``cifar-10``; matching is case-insensitive).
DATASETS: tuple[str, ...] = tuple(_INFO)

_ALIASES = {
    **{name: name for name in DATASETS},
    "mnist_784": "mnist",
    "cifar_10": "cifar10",
    "cifar-10": "cifar10",
}


def _dataset_key(name: str) -> str:
    """The canonical name of ``name`` (an alias, any case, spaces around)."""
    key = _ALIASES.get(name.strip().lower())
    if key is None:
        raise ValueError(
            f"unknown dataset {name!r}; valid names are "
            f"{', '.join(map(repr, DATASETS))} (aliases: 'mnist_784', "
            f"'cifar_10', 'cifar-10'; case-insensitive)"
        )
    return key
