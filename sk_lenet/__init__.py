"""sk_lenet: the classic Keras image classifiers as scikit-learn estimators."""

from sk_lenet._tf import quiet_import_tensorflow

quiet_import_tensorflow()

__version__ = "0.1.0"
