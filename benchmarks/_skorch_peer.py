"""skorch side of the time-to-99% comparison (run with a torch venv).

The same networks as ``_time_to_99.py``'s configurations, in PyTorch, trained
by ``skorch.NeuralNetClassifier`` the same way (optimizer, learning rate,
batch 128, shuffled, no hold-out), uint8 pixels scaled by 1/255 inside the
module.  The test set is scored after every epoch by a callback whose own time
is subtracted.  Needs ``--data`` an ``.npz`` with Xtr, ytr, Xte, yte (uint8
images N x 28 x 28 x 1, int64 labels), written by ``--dump`` from the
sk_lenet venv.

    /work/venv/bin/python benchmarks/_skorch_peer.py --dump /tmp/mnist.npz
    /tmp/vtorch/bin/python benchmarks/_skorch_peer.py --data /tmp/mnist.npz \\
        --config lenet5_relu_adam
"""

from __future__ import annotations

import argparse
import json
import os
import time

from _time_to_99 import RECIPES, STEPS_PER_EPOCH

# The networks skorch trains here (simplified LeNet has no PyTorch twin).
CONFIGS = {name: r for name, r in RECIPES.items() if r[0] in ("lenet", "lenet5_relu")}


def dump(path):
    import numpy as np

    from sk_lenet.datasets import fetch_mnist

    Xtr, ytr = fetch_mnist(subset="train", as_images=True, return_X_y=True)
    Xte, yte = fetch_mnist(subset="test", as_images=True, return_X_y=True)
    np.savez(path, Xtr=Xtr, ytr=ytr, Xte=Xte, yte=yte)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dump")
    p.add_argument("--data")
    p.add_argument("--config", default="lenet5_relu_adam", choices=list(CONFIGS))
    p.add_argument("--max-epochs", type=int, default=15)
    p.add_argument("--target", type=float, default=0.99)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--init",
        choices=["keras", "torch"],
        default="keras",
        help="keras (default): Keras' glorot-uniform weights and zero biases, as "
        "the sk_lenet network starts; torch: PyTorch's own default init",
    )
    args = p.parse_args()
    if args.dump:
        dump(args.dump)
        return

    import numpy as np
    import skorch
    import torch
    from skorch import NeuralNetClassifier
    from skorch.callbacks import Callback, LRScheduler
    from torch import nn

    torch.manual_seed(args.seed)
    d = np.load(args.data)
    # NCHW uint8 for torch
    Xtr = np.ascontiguousarray(d["Xtr"].transpose(0, 3, 1, 2))
    Xte = np.ascontiguousarray(d["Xte"].transpose(0, 3, 1, 2))
    ytr, yte = d["ytr"], d["yte"]

    class Scale(nn.Module):
        def forward(self, x):
            return x.float() / 255.0

    arch, lr, cosine_epochs = CONFIGS[args.config]
    if arch == "lenet5_relu":
        module = nn.Sequential(
            Scale(),
            nn.Conv2d(1, 6, 5),
            nn.ReLU(),
            nn.AvgPool2d(2, 2),
            nn.Conv2d(6, 16, 5),
            nn.ReLU(),
            nn.AvgPool2d(2, 2),
            nn.Flatten(),
            nn.Linear(16 * 4 * 4, 120),
            nn.ReLU(),
            nn.Linear(120, 84),
            nn.ReLU(),
            nn.Linear(84, 10),
        )
    else:  # "lenet": PyImageSearch's LeNet
        module = nn.Sequential(
            Scale(),
            nn.Conv2d(1, 20, 5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(2, 2),
            nn.Conv2d(20, 50, 5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(2, 2),
            nn.Flatten(),
            nn.Linear(50 * 7 * 7, 500),
            nn.ReLU(),
            nn.Linear(500, 10),
        )
    if args.init == "keras":
        for layer in module:
            if isinstance(layer, (nn.Conv2d, nn.Linear)):
                nn.init.xavier_uniform_(layer.weight)
                nn.init.zeros_(layer.bias)
    schedule = []
    if cosine_epochs:
        # Keras' CosineDecay(lr, n_steps) stepped per batch, from step 0.
        schedule = [
            LRScheduler(
                policy=torch.optim.lr_scheduler.CosineAnnealingLR,
                T_max=cosine_epochs * STEPS_PER_EPOCH,
                eta_min=0.0,
                step_every="batch",
            )
        ]
    log = []

    class Clock(Callback):
        def __init__(self):
            self.t0 = None
            self.excluded = 0.0

        def on_epoch_end(self, net, **kw):
            t = time.perf_counter()
            fit_s = t - self.t0 - self.excluded
            with torch.no_grad():
                net.module_.eval()
                logits = torch.cat(
                    [
                        net.module_(torch.from_numpy(Xte[i : i + 2048]))
                        for i in range(0, len(Xte), 2048)
                    ]
                )
                net.module_.train()
            acc = float((logits.argmax(1).numpy() == yte).mean())
            log.append(
                {
                    "epoch": len(log) + 1,
                    "fit_s": round(fit_s, 2),
                    "test_acc": acc,
                    "load1": round(os.getloadavg()[0], 2),
                }
            )
            print(json.dumps(log[-1]), flush=True)
            if acc >= args.target:
                raise KeyboardInterrupt  # skorch's documented way to stop fit
            self.excluded += time.perf_counter() - t

    clock = Clock()
    net = NeuralNetClassifier(
        module,
        criterion=nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=lr,
        max_epochs=args.max_epochs,
        batch_size=128,
        train_split=None,
        iterator_train__shuffle=True,
        callbacks=[*schedule, clock],
        verbose=0,
    )
    clock.t0 = time.perf_counter()
    net.fit(Xtr, ytr)
    hit = next((r for r in log if r["test_acc"] >= args.target), None)
    print(
        json.dumps(
            {
                "side": "skorch",
                "config": args.config,
                "lr": lr,
                "cosine_epochs": cosine_epochs,
                "init": args.init,
                "torch": torch.__version__,
                "skorch": skorch.__version__,
                "threads": torch.get_num_threads(),
                "reached": hit,
                "epochs_run": len(log),
                "log": log,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
