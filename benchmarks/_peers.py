"""Plain-Keras re-implementations of the five tutorials (the "peers").

Each function is the tutorial's own training code, written against the
Keras 3 API and nothing else: a ``Sequential`` model as the tutorial builds
it, float32 pixels divided by 255 in NumPy, one-hot labels with
``categorical_crossentropy``, ``model.fit`` with the tutorial's arguments
(including the ``validation_data`` / ``validation_split`` it passes), and
``model.predict`` for the test accuracy.  Only the Keras 2 spellings changed:
``lr=`` is ``learning_rate=``, ``np_utils.to_categorical`` is
``keras.utils.to_categorical``, ``input_shape=`` is a ``keras.Input``.

``train(setup, X_train, y_train, X_test, y_test, epochs, seed)`` returns the
fitted model, the wall time of the whole training part of the script
(scaling, one-hot, build, compile, fit) and of ``fit`` alone.
"""

from __future__ import annotations

import time

import keras
import numpy as np
from keras import layers


def _lenet(shape, n_classes):
    # PyImageSearch pyimagesearch/cnn/networks/lenet.py, activation="relu".
    model = keras.Sequential(
        [
            keras.Input(shape),
            layers.Conv2D(20, 5, padding="same"),
            layers.Activation("relu"),
            layers.MaxPooling2D(pool_size=(2, 2), strides=(2, 2)),
            layers.Conv2D(50, 5, padding="same"),
            layers.Activation("relu"),
            layers.MaxPooling2D(pool_size=(2, 2), strides=(2, 2)),
            layers.Flatten(),
            layers.Dense(500),
            layers.Activation("relu"),
            layers.Dense(n_classes),
            layers.Activation("softmax"),
        ]
    )
    model.compile(
        loss="categorical_crossentropy",
        optimizer=keras.optimizers.SGD(learning_rate=0.01),
        metrics=["accuracy"],
    )
    return model


def _lenet5(shape, n_classes):
    # "LeNet-5 in Keras": build_lenet(input_shape).
    model = keras.Sequential(
        [
            keras.Input(shape),
            layers.Conv2D(6, (5, 5), strides=(1, 1), activation="tanh"),
            layers.AveragePooling2D(pool_size=(2, 2), strides=(2, 2)),
            layers.Conv2D(16, (5, 5), strides=(1, 1), activation="tanh"),
            layers.AveragePooling2D(pool_size=(2, 2), strides=(2, 2)),
            layers.Flatten(),
            layers.Dense(units=120, activation="tanh"),
            layers.Flatten(),
            layers.Dense(units=84, activation="tanh"),
            layers.Dense(units=n_classes, activation="softmax"),
        ]
    )
    model.compile(
        loss="categorical_crossentropy",
        optimizer=keras.optimizers.SGD(learning_rate=0.1, momentum=0.0),
        metrics=["accuracy"],
    )
    return model


def _simplified_lenet(shape, n_classes):
    # Intel smart-video-workshop "simplified LeNet".
    cnn = keras.Sequential()
    cnn.add(keras.Input(shape))
    cnn.add(layers.Conv2D(32, (3, 3), activation="relu"))
    cnn.add(layers.MaxPooling2D())
    cnn.add(layers.Flatten())
    cnn.add(layers.Dense(units=128, activation="relu"))
    cnn.add(layers.Dense(units=n_classes, activation="softmax"))
    cnn.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return cnn


def _dropout_cnn(shape, n_classes):
    # "CNN with Keras in Python": define_model().
    model = keras.Sequential()
    model.add(keras.Input(shape))
    model.add(layers.Conv2D(32, kernel_size=(3, 3), activation="relu"))
    model.add(layers.Conv2D(64, (3, 3), activation="relu"))
    model.add(layers.MaxPooling2D(pool_size=(2, 2)))
    model.add(layers.Dropout(0.25))
    model.add(layers.Flatten())
    model.add(layers.Dense(128, activation="relu"))
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(n_classes, activation="softmax"))
    model.compile(
        loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"]
    )
    return model


def _mlp(hidden, activation):
    # PyImageSearch keras_mnist.py / keras_cifar10.py.
    def build(shape, n_classes):
        n_in = int(np.prod(shape))
        model = keras.Sequential()
        model.add(keras.Input((n_in,)))
        for units in hidden:
            model.add(layers.Dense(units, activation=activation))
        model.add(layers.Dense(n_classes, activation="softmax"))
        sgd = keras.optimizers.SGD(0.01)
        model.compile(
            loss="categorical_crossentropy", optimizer=sgd, metrics=["accuracy"]
        )
        return model

    return build


#: setup name -> (model builder, flatten input, float dtype of the /255 scaling,
#: how fit validates: None, "test" (validation_data=test) or a split fraction)
PEERS = {
    "lenet": (_lenet, False, "float32", None),
    "lenet5": (_lenet5, False, "float32", None),
    "simplified_lenet": (_simplified_lenet, False, "float32", "test"),
    "dropout_cnn": (_dropout_cnn, False, "float32", 0.2),
    "mlp_mnist": (_mlp((256, 128), "sigmoid"), True, "float32", "test"),
    # keras_cifar10.py scales with astype("float"): float64 in NumPy.
    "mlp_cifar10": (_mlp((1024, 512), "relu"), True, "float64", "test"),
}


def _scale(X, flat, dtype):
    X = X.reshape((X.shape[0], -1)) if flat else X
    return X.astype(dtype) / 255.0


def train(setup, X_train, y_train, X_test, y_test, *, epochs, batch_size, seed):
    """Run the tutorial's training code; return (model, total_s, fit_only_s)."""
    build, flat, dtype, validation = PEERS[setup]
    keras.utils.set_random_seed(seed)
    t0 = time.perf_counter()
    n_classes = int(max(y_train.max(), y_test.max())) + 1
    trainX, testX = _scale(X_train, flat, dtype), _scale(X_test, flat, dtype)
    trainY = keras.utils.to_categorical(y_train, n_classes)
    testY = keras.utils.to_categorical(y_test, n_classes)
    model = build(X_train.shape[1:], n_classes)
    kwargs = {}
    if validation == "test":
        kwargs["validation_data"] = (testX, testY)
    elif validation:
        kwargs["validation_split"] = validation
    t1 = time.perf_counter()
    model.fit(trainX, trainY, batch_size=batch_size, epochs=epochs, verbose=0, **kwargs)
    t2 = time.perf_counter()
    return model, t2 - t0, t2 - t1


def predict(setup, model, X_test, batch_size):
    """The tutorial's prediction: scale, ``model.predict``, argmax."""
    _, flat, dtype, _ = PEERS[setup]
    probs = model.predict(_scale(X_test, flat, dtype), batch_size=batch_size, verbose=0)
    return probs.argmax(axis=1)
