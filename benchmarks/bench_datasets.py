"""Benchmark sk_lenet.datasets against plain ``fetch_openml``.

Every measurement runs in a fresh Python process (nothing warm in memory;
the files are in the OS page cache after the first run, as for any re-load)
and reports the seconds spent in the load call itself, the process wall
time, and the peak resident set size (``ru_maxrss``, what ``/usr/bin/time
-v`` prints as "Maximum resident set size").

Measured:

* MNIST re-load: ``fetch_openml("mnist_784", version=1, as_frame=False,
  parser="liac-arff")`` -- the parser that works on scikit-learn 1.9.1 +
  pandas 3.1 (the default/pandas parser raises TypeError there and deletes the
  cached ARFF, scikit-learn #34892; that is recorded too, on a scratch copy) --
  versus ``fetch_mnist()`` reading its array cache;
* CIFAR-10: ``fetch_cifar10()`` first load (parses OpenML's ARFF, writes the
  array cache), cached load, cached load with ``as_images=True``, versus
  ``fetch_openml("CIFAR_10", version=1, as_frame=False, parser="liac-arff")``.

Usage::

    python benchmarks/bench_datasets.py [--data-home DIR] [--repeats 5]

DIR must hold an OpenML cache (``python ../shared/tools/openml_cache.py DIR``
writes one offline); it is built there if absent and ``../shared`` exists.
Writes ``benchmarks/results/datasets.json`` and ``datasets.md``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SHARED_TOOL = REPO.parent / "shared" / "tools" / "openml_cache.py"

_CHILD_PRELUDE = """
import json, os, resource, sys, time
t_start = time.perf_counter()
"""

_CHILD_REPORT = """
t_end = time.perf_counter()
import psutil
print("RESULT " + json.dumps({
    "load_s": t_end - t_load,
    "import_s": t_load - t_start,
    "rss_before_load_mb": rss_before / 2**20,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "shape": list(X.shape), "dtype": str(X.dtype),
}))
"""


def _child_code(import_line: str, call: str) -> str:
    return (
        _CHILD_PRELUDE
        + import_line
        + "\nimport psutil\nrss_before = psutil.Process().memory_info().rss\n"
        + "t_load = time.perf_counter()\n"
        + call
        + "\n"
        + _CHILD_REPORT
    )


def run_child(code: str, env: dict, timeout: float = 900) -> dict:
    t0 = _now()
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    wall = _now() - t0
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            out = json.loads(line[len("RESULT ") :])
            out["process_wall_s"] = wall
            return out
    lines = (proc.stderr or "").strip().splitlines()
    # the first "SomethingError: message" line is the root cause; the last
    # one what finally surfaced (e.g. a re-download attempt after it)
    errors = [ln.strip() for ln in lines if re.match(r"^[\w.]+(Error|Exception)\b", ln)]
    return {
        "error": errors[-1] if errors else f"exit status {proc.returncode}",
        "first_error": errors[0] if errors else None,
    }


def _now() -> float:
    import time

    return time.perf_counter()


def series(code: str, env: dict, repeats: int, setup=None) -> dict:
    runs = []
    for _ in range(repeats):
        if setup:
            setup()
        runs.append(run_child(code, env))
        if "error" in runs[-1]:
            return {"error": runs[-1]["error"], "runs": runs}
    summary = {"runs": runs}
    for key in ("load_s", "process_wall_s", "peak_rss_mb", "import_s"):
        summary[f"median_{key}"] = statistics.median(r[key] for r in runs)
    summary["rss_before_load_mb"] = statistics.median(
        r["rss_before_load_mb"] for r in runs
    )
    summary["shape"] = runs[0]["shape"]
    summary["dtype"] = runs[0]["dtype"]
    return summary


def cpu_model() -> str:
    from _machine import cpu_fields

    name = (cpu_fields() or {}).get("model name")
    return name or platform.processor() or "unknown"


def versions() -> dict:
    code = (
        "import json, numpy, sklearn, platform\n"
        "try:\n    import pandas; pv = pandas.__version__\n"
        "except ImportError:\n    pv = None\n"
        "print(json.dumps({'python': platform.python_version(), "
        "'numpy': numpy.__version__, 'scikit-learn': sklearn.__version__, "
        "'pandas': pv}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    v = json.loads(out.stdout)
    v["sk_lenet"] = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return v


def ensure_openml_cache(home: Path) -> None:
    arffs = {
        "mnist_784": home
        / "openml/openml.org/data/v1/download/52667/mnist_784.arff.gz",
        "CIFAR_10": home
        / "openml/openml.org/data/v1/download/16797613/CIFAR_10.arff.gz",
    }
    for name, path in arffs.items():
        if path.exists():
            continue
        if not SHARED_TOOL.exists():
            sys.exit(f"{path} is missing and {SHARED_TOOL} is absent")
        subprocess.run(
            [sys.executable, str(SHARED_TOOL), str(home), "--only", name], check=True
        )


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-home", default="/tmp/openml_home")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--out", default=str(HERE / "results"))
    p.add_argument(
        "--skip-plain-cifar",
        action="store_true",
        help="skip fetch_openml on CIFAR-10 (minutes, several GB)",
    )
    args = p.parse_args(argv)
    load_start = [round(x, 2) for x in os.getloadavg()]
    home = Path(args.data_home).resolve()
    ensure_openml_cache(home)
    env = dict(os.environ, SCIKIT_LEARN_DATA=str(home), TF_CPP_MIN_LOG_LEVEL="3")
    env.pop("PYTHONWARNINGS", None)
    ours_cache = home / "sk_lenet"

    def drop(name):
        def setup():
            (ours_cache / name).unlink(missing_ok=True)

        return setup

    sk_imp = "from sklearn.datasets import fetch_openml"
    our_imp = "from sk_lenet.datasets import fetch_mnist, fetch_cifar10"
    plain = (
        'X = fetch_openml("{name}", version=1, as_frame=False, parser="liac-arff").data'
    )
    results: dict = {}

    # ---------------- MNIST
    print("MNIST: fetch_openml re-load (liac-arff) ...", flush=True)
    results["mnist_fetch_openml_liac"] = series(
        _child_code(sk_imp, plain.format(name="mnist_784")), env, args.repeats
    )
    print("MNIST: fetch_openml default parser (scratch copy) ...", flush=True)
    with tempfile.TemporaryDirectory() as scratch:
        shutil.copytree(home / "openml", Path(scratch) / "openml")
        arff = (
            Path(scratch) / "openml/openml.org/data/v1/download/52667/mnist_784.arff.gz"
        )
        r = run_child(
            _child_code(sk_imp, 'X = fetch_openml("mnist_784", version=1).data'),
            dict(env, SCIKIT_LEARN_DATA=scratch),
        )
        r["cached_arff_survived"] = arff.exists()
        results["mnist_fetch_openml_default_parser"] = r
    print("MNIST: fetch_mnist first load ...", flush=True)
    results["mnist_ours_first"] = series(
        _child_code(our_imp, "X = fetch_mnist().data"),
        env,
        1,
        setup=drop("mnist_784-v1.npz"),
    )
    print("MNIST: fetch_mnist cached ...", flush=True)
    results["mnist_ours_cached"] = series(
        _child_code(our_imp, "X = fetch_mnist().data"), env, args.repeats
    )
    results["mnist_ours_cached_images"] = series(
        _child_code(our_imp, "X = fetch_mnist(as_images=True).data"),
        env,
        args.repeats,
    )

    # ---------------- CIFAR-10
    print("CIFAR-10: fetch_cifar10 first load ...", flush=True)
    results["cifar_ours_first"] = series(
        _child_code(our_imp, "X = fetch_cifar10().data"),
        env,
        max(1, min(args.repeats, 2)),
        setup=drop("CIFAR_10-v1.npz"),
    )
    print("CIFAR-10: fetch_cifar10 cached ...", flush=True)
    results["cifar_ours_cached"] = series(
        _child_code(our_imp, "X = fetch_cifar10().data"), env, args.repeats
    )
    results["cifar_ours_cached_images"] = series(
        _child_code(our_imp, "X = fetch_cifar10(as_images=True).data"),
        env,
        args.repeats,
    )
    results["import_sk_lenet_only"] = series(
        _child_code(our_imp, "import numpy as np; X = np.zeros((1, 1))"), env, 3
    )
    if not args.skip_plain_cifar:
        print("CIFAR-10: fetch_openml (liac-arff), once ...", flush=True)
        results["cifar_fetch_openml_liac"] = series(
            _child_code(sk_imp, plain.format(name="CIFAR_10")), env, 1
        )

    m_plain = results["mnist_fetch_openml_liac"].get("median_load_s")
    m_ours = results["mnist_ours_cached"].get("median_load_s")
    c_plain = results.get("cifar_fetch_openml_liac", {}).get("median_load_s")
    c_ours = results["cifar_ours_cached"].get("median_load_s")
    summary = {
        "mnist_speedup_cached_vs_fetch_openml": (
            m_plain / m_ours if m_plain and m_ours else None
        ),
        "cifar_speedup_cached_vs_fetch_openml": (
            c_plain / c_ours if c_plain and c_ours else None
        ),
    }
    meta = {
        "date_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "cpu": cpu_model(),
        "n_cpus": os.cpu_count(),
        "mem_total_gb": _mem_total_gb(),
        "platform": platform.platform(),
        "versions": versions(),
        "repeats": args.repeats,
        "loadavg_start": load_start,
        "loadavg_end": [round(x, 2) for x in os.getloadavg()],
        "data_home": "OpenML cache written by ../shared/tools/openml_cache.py "
        "(real MNIST / CIFAR-10, OpenML file layout), files in the OS page cache",
    }
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    doc = {"meta": meta, "summary": summary, "results": results}
    (out_dir / "datasets.json").write_text(json.dumps(doc, indent=2) + "\n")
    (out_dir / "datasets.md").write_text(markdown(doc))
    print(markdown(doc))
    return 0


def _mem_total_gb():
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        return None


def _fmt(x, spec=".2f"):
    return "n/a" if x is None else format(x, spec)


def markdown(doc: dict) -> str:
    m, s, r = doc["meta"], doc["summary"], doc["results"]
    v = m["versions"]
    rows = [
        (
            "MNIST",
            "fetch_openml(parser='liac-arff') re-load",
            "mnist_fetch_openml_liac",
        ),
        ("MNIST", "fetch_mnist() first load (ARFF parse)", "mnist_ours_first"),
        ("MNIST", "fetch_mnist() cached", "mnist_ours_cached"),
        ("MNIST", "fetch_mnist(as_images=True) cached", "mnist_ours_cached_images"),
        ("CIFAR-10", "fetch_openml(parser='liac-arff')", "cifar_fetch_openml_liac"),
        ("CIFAR-10", "fetch_cifar10() first load (ARFF parse)", "cifar_ours_first"),
        ("CIFAR-10", "fetch_cifar10() cached", "cifar_ours_cached"),
        (
            "CIFAR-10",
            "fetch_cifar10(as_images=True) cached",
            "cifar_ours_cached_images",
        ),
        ("-", "import sk_lenet.datasets only (TensorFlow)", "import_sk_lenet_only"),
    ]
    lines = [
        "# sk_lenet.datasets benchmark",
        "",
        f"- date (UTC): {m['date_utc']}",
        f"- CPU: {m['cpu']} ({m['n_cpus']} cores), {m['mem_total_gb']} GB RAM",
        f"- platform: {m['platform']}",
        f"- Python {v['python']}, numpy {v['numpy']}, scikit-learn "
        f"{v['scikit-learn']}, pandas {v['pandas']}, sk_lenet {v['sk_lenet']}",
        f"- {m['repeats']} fresh processes per cached measurement (first loads: "
        "1-2); medians. 'load' = seconds in the call; 'process' = whole "
        "process wall time including imports; peak RSS = ru_maxrss of the "
        "process (includes the imports: importing sk_lenet loads TensorFlow).",
        f"- data: {m['data_home']}",
        f"- load average (1, 5, 15 min) at start {m['loadavg_start']}, at end "
        f"{m['loadavg_end']} (2 cores: above ~1 means other work competed)",
        "",
        "| dataset | what | load s | process s | RSS after import MB "
        "| peak RSS MB | runs |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for ds, what, key in rows:
        res = r.get(key)
        if res is None:
            continue
        if "error" in res:
            lines.append(f"| {ds} | {what} | error: {res['error']} | | | | |")
            continue
        lines.append(
            f"| {ds} | {what} | {_fmt(res['median_load_s'], '.3f')} "
            f"| {_fmt(res['median_process_wall_s'])} "
            f"| {_fmt(res['rss_before_load_mb'], '.0f')} "
            f"| {_fmt(res['median_peak_rss_mb'], '.0f')} | {len(res['runs'])} |"
        )
    d = r.get("mnist_fetch_openml_default_parser", {})
    lines += [
        "",
        f"- MNIST cached re-load speed-up vs fetch_openml: "
        f"**{_fmt(s['mnist_speedup_cached_vs_fetch_openml'], '.0f')}x** "
        f"(load-call medians).",
        f"- CIFAR-10 cached re-load speed-up vs fetch_openml: "
        f"**{_fmt(s['cifar_speedup_cached_vs_fetch_openml'], '.0f')}x**.",
        "- fetch_openml with the default parser ('auto' -> pandas) on mnist_784: "
        + (
            f"{_fmt(d.get('load_s'), '.2f')} s, OK"
            if "error" not in d
            else f"fails: `{d.get('first_error')}`, then `{d['error']}` "
            "(scikit-learn deleted the cached ARFF and tried to download it again)"
        )
        + f"; cached ARFF survived: {d.get('cached_arff_survived')}.",
        "",
    ]
    return "\n".join(textwrap.dedent(line) for line in lines)


if __name__ == "__main__":
    raise SystemExit(main())
