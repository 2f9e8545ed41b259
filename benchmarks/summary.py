"""The headline numbers of the committed tutorial comparisons, read from
``benchmarks/results/tutorials*.json`` (one file per machine).

Two tables come from here and nowhere else:

* the README's model table: each tutorial's published test accuracy beside
  the median measured one, over every float32 run of the tutorial's full
  schedule (``fit_accuracy_rows``, ``readme_model_table``);
* the summary table that opens ``docs/benchmarks.rst``: sk_lenet's fit time
  as a fraction of the tutorial code's, a row per tutorial and a column per
  machine (``fit_ratio_rows``, ``benchmarks_summary_rst``; the documentation
  build renders it).

And from ``benchmarks/results/beyond.json`` (``bench_beyond.py``): the table of
``docs/beyond.rst``, each recipe's median test accuracy and fit time against
the same recipe in plain Keras (``beyond_rows``, ``beyond_table_rst``), and
the test accuracy after every epoch of the runs that scored it
(``beyond_curves_rst``).

``tests/test_readme.py`` checks that the README shows what this module reads.
Run it to print both tables after adding results::

    python benchmarks/summary.py
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"

# The tutorials, in the README's order: (setup, estimator, network, dataset).
TUTORIALS = (
    (
        "lenet",
        "LeNetClassifier",
        "conv 20@5×5 → pool → conv 50@5×5 → pool → dense 500, relu; SGD 0.01, "
        "20 epochs",
        "MNIST",
    ),
    (
        "lenet5",
        "LeNet5Classifier",
        "conv 6@5×5 → avg-pool → conv 16@5×5 → avg-pool → 120 → 84, tanh; SGD 0.1, "
        "10 epochs",
        "MNIST",
    ),
    (
        "simplified_lenet",
        "SimplifiedLeNetClassifier",
        "conv 32@3×3 → pool → dense 128; Adam, 5 epochs",
        "MNIST",
    ),
    (
        "dropout_cnn",
        "DropoutCNNClassifier",
        "conv 32, 64@3×3 → pool → dropout → 128 → dropout; Adam, 3 epochs",
        "MNIST",
    ),
    (
        "mlp_mnist",
        "FeedForwardClassifier",
        "784-256-128-10 sigmoid; SGD 0.01, 100 epochs",
        "MNIST",
    ),
    (
        "mlp_cifar10",
        "FeedForwardClassifier",
        "3072-1024-512-10 relu, batch 32; SGD 0.01, 100 epochs",
        "CIFAR-10",
    ),
)

# Short names of the tutorials in the summary table.
SHORT = {
    "lenet": "LeNet",
    "lenet5": "LeNet-5",
    "simplified_lenet": "simplified LeNet",
    "dropout_cnn": "dropout CNN",
    "mlp_mnist": "MLP, MNIST",
    "mlp_cifar10": "MLP, CIFAR-10",
}


def load(results: Path = RESULTS) -> list[dict]:
    """Every ``tutorials*.json`` with its file name, in file-name order."""
    docs = []
    for path in sorted(results.glob("tutorials*.json")):
        doc = json.loads(path.read_text())
        doc["file"] = path.name
        docs.append(doc)
    return docs


def machine(doc: dict) -> dict:
    """The file's machine: ``{"cpu": ..., "short": ...}``, as its ``machine``
    field names it."""
    return doc["machine"]


def _float32_full(doc: dict):
    for e in doc["results"].values():
        if e["mode"] == "full" and e.get("dtype_policy", "float32") == "float32":
            yield e


def fit_accuracy_rows(docs: list[dict]) -> dict[str, dict]:
    """Per tutorial: the published accuracy, and the medians and counts of
    both sides' test accuracy over every float32 run of the full schedule
    (no capped rows), on every machine, one process or separate."""
    rows = {}
    for setup, *_ in TUTORIALS:
        peer, sk, published, machines = [], [], None, set()
        for doc in docs:
            for e in _float32_full(doc):
                if e["setup"] != setup or e["capped"]:
                    continue
                published = e["published_accuracy"]
                peer += [r["accuracy"] for r in e["peer_runs"]]
                sk += [r["accuracy"] for r in e["sk_lenet_runs"]]
                machines.add(machine(doc)["short"])
        rows[setup] = {
            "published": published,
            "tutorial_code": statistics.median(peer),
            "sk_lenet": statistics.median(sk),
            "runs": len(sk),
            "machines": sorted(machines),
        }
    return rows


def fit_ratio_rows(docs: list[dict]) -> dict[str, dict[str, dict]]:
    """Per tutorial and machine (short name): the float32 separate-process
    row's fit ratio (sk_lenet / tutorial code, the ratio of the medians), its
    pairs, epochs and whether the tutorial code also scored the test set
    after every epoch."""
    rows: dict[str, dict[str, dict]] = {setup: {} for setup, *_ in TUTORIALS}
    for doc in docs:
        for e in _float32_full(doc):
            if e.get("processes") != "separate":
                continue
            rows[e["setup"]][machine(doc)["short"]] = {
                "fit_ratio": e["fit_ratio"],
                "pairs": e["repeats"],
                "epochs": e["epochs"],
                "tutorial_epochs": e["tutorial_epochs"],
                "scores_every_epoch": "after every epoch" in e["note"],
            }
    return rows


def _pct(x: float) -> str:
    return f"{100 * x:.2f}%"


def readme_model_table(docs: list[dict]) -> str:
    """The README's model table (Markdown)."""
    acc = fit_accuracy_rows(docs)
    lines = [
        "| estimator | network, tutorial's training | published "
        "| tutorial code, run here | sk_lenet |",
        "|---|---|---:|---:|---:|",
    ]
    for setup, estimator, network, dataset in TUTORIALS:
        r = acc[setup]
        lines.append(
            f"| `{estimator}` | {network} | {_pct(r['published'])} {dataset} "
            f"| {_pct(r['tutorial_code'])} | {_pct(r['sk_lenet'])} ({r['runs']} runs) |"
        )
    return "\n".join(lines)


def fit_ratio_range(docs: list[dict]) -> tuple[float, float]:
    """The smallest and largest fit ratio of the summary table."""
    ratios = [
        cell["fit_ratio"]
        for row in fit_ratio_rows(docs).values()
        for cell in row.values()
    ]
    return min(ratios), max(ratios)


def benchmarks_summary_rst(docs: list[dict]) -> str:
    """The summary table of ``docs/benchmarks.rst`` (reStructuredText)."""
    machines = [machine(doc)["short"] for doc in docs]
    ratios = fit_ratio_rows(docs)
    header = ["tutorial", *machines]
    body = []
    for setup, *_ in TUTORIALS:
        cells = [SHORT[setup]]
        for name in machines:
            c = ratios[setup].get(name)
            if c is None:
                cells.append("--")
                continue
            cell = f"{c['fit_ratio']:.2f}x"
            if c["scores_every_epoch"]:
                cell += "\\*"
            if c["epochs"] < c["tutorial_epochs"]:
                cell += f" ({c['epochs']} of {c['tutorial_epochs']} epochs)"
            cells.append(cell)
        body.append(cells)
    lines = [
        ".. list-table:: sk_lenet's fit time / the tutorial code's "
        "(float32, each side in its own process)",
        "   :header-rows: 1",
        "",
    ]
    for row in [header, *body]:
        lines.append(f"   * - {row[0]}")
        lines += [f"     - {cell}" for cell in row[1:]]
    return "\n".join(lines)


def load_beyond(results: Path = RESULTS) -> dict:
    """``beyond.json`` (``{"results": {}}`` before its first run)."""
    path = results / "beyond.json"
    return json.loads(path.read_text()) if path.exists() else {"results": {}}


def beyond_rows(doc: dict, recipes) -> list[dict]:
    """Per recipe of ``recipes`` (name -> Recipe), in their order: its
    float32 full-data entry of ``beyond.json``, or None where it has none."""
    return [
        {"recipe": name, "spec": spec, "entry": doc["results"].get(f"full/{name}")}
        for name, spec in recipes.items()
    ]


def _target(targets: dict) -> str:
    parts = []
    if "accuracy" in targets:
        parts.append(f"≥ {_pct(targets['accuracy'])}")
    if "time_to" in targets:
        parts.append(f"{_pct(targets['time_to'])} within {targets['fit_s']} s")
    elif "fit_s" in targets:
        parts.append(f"in ≤ {targets['fit_s']} s")
    return ", ".join(parts)


def _measured(side: dict, e: dict) -> str:
    if side.get("accuracy") is None:
        return "--"
    cell = f"{_pct(side['accuracy'])} in {side['fit_s']:.0f} s"
    if "time_to_reached" in side:
        t = side["time_to_s"]
        reach = "not reached" if t is None else f"{t:.1f} s"
        cell += f"; {_pct(e['time_to'])}: {reach} ({side['time_to_reached']})"
    return cell


#: The peer cell of a recipe whose peer has no run.
NO_PEER = "not run yet"


def _beyond_cells(row: dict) -> list[str]:
    """Target, sk_lenet, peer, target met, seeds of one :func:`beyond_rows`
    row."""
    e = row["entry"]
    if e is None:
        return ["--", "not benchmarked yet", "--", "--", "0"]
    met = "yes" if e["met"] and all(e["met"].values()) else "no"
    if not e["met"]:
        met = "--"
    peer = _measured(e["peer"], e) if e["peer_runs"] else NO_PEER
    seeds = str(len(e["sk_lenet_runs"]))
    if not e.get("complete", True):
        seeds += " (run incomplete)"
    return [_target(e["targets"]), _measured(e["sk_lenet"], e), peer, met, seeds]


BEYOND_HEADER = [
    "target",
    "sk_lenet: test accuracy, fit",
    "plain Keras, the same recipe",
    "target met",
    "seeds",
]


def beyond_table_rst(doc: dict, recipes) -> str:
    """The table of ``docs/beyond.rst`` (reStructuredText): per recipe, its
    target, and the median test accuracy and fit seconds of sk_lenet and of
    the plain-Keras peer."""
    lines = [
        ".. list-table:: The recipes on this 2-core machine (medians over the "
        "seeds; full training set, float32)",
        "   :header-rows: 1",
        "",
        "   * - recipe",
        *(f"     - {cell}" for cell in BEYOND_HEADER),
    ]
    for row in beyond_rows(doc, recipes):
        spec = row["spec"]
        lines.append(
            f"   * - ``{row['recipe']}``: {spec.summary} (``{spec.estimator}``)"
        )
        lines += [f"     - {cell}" for cell in _beyond_cells(row)]
    return "\n".join(lines)


def _curve_line(name: str, side: str, run: dict, accuracy) -> str:
    curve = run["curve"]
    accs = ", ".join(f"{100 * c['test_acc']:.1f}" for c in curve)
    line = f"* ``{name}``, {side}, seed {run['seed']}: {accs}%"
    if accuracy is not None:
        hit = next((c for c in curve if c["test_acc"] >= accuracy), None)
        line += f"; {_pct(accuracy)} " + (
            "not reached"
            if hit is None
            else f"first reached after epoch {hit['epoch']}, at {hit['fit_s']:.0f} s"
        )
    return line


def beyond_curves_rst(doc: dict, recipes) -> str:
    """The test accuracy after every epoch of each full-data run that
    scored its test set per epoch (the recipes with a "time to" target), as
    a reStructuredText list: observed, never acted on."""
    lines = []
    for row in beyond_rows(doc, recipes):
        e = row["entry"]
        if e is None:
            continue
        accuracy = e["targets"].get("accuracy")
        for side, key in (("sk_lenet", "sk_lenet_runs"), ("plain Keras", "peer_runs")):
            for run in e[key]:
                if run.get("curve"):
                    lines.append(_curve_line(row["recipe"], side, run, accuracy))
    if not lines:
        return "No run has scored its test set after every epoch yet."
    return "\n".join(lines)


def readme_beyond_table(doc: dict, recipes) -> str:
    """The README's table of the recipes (Markdown), the same cells."""
    lines = [
        "| recipe | estimator | " + " | ".join(BEYOND_HEADER) + " |",
        "|---|---|---|---|---|---|---:|",
    ]
    for row in beyond_rows(doc, recipes):
        cells = [f"`{row['recipe']}`", f"`{row['spec'].estimator}`"]
        cells += _beyond_cells(row)
        lines.append("| " + " | ".join(cells).replace("``", "`") + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    docs = load()
    print(readme_model_table(docs), end="\n\n")
    from sk_lenet.recipes import RECIPES

    print(readme_beyond_table(load_beyond(), RECIPES), end="\n\n")
    print(benchmarks_summary_rst(docs))
    low, high = fit_ratio_range(docs)
    print(f"\nfit ratios {low:.2f}x to {high:.2f}x")
