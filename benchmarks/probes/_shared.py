"""The shared run of the per-setup probes (``_kernel_floor.py``,
``_step_profile.py``, ``_partial_fit.py``), moved here from the harness so
that the harness carries no code only probes use."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bench_tutorials import environment, write_section


def run_per_setup(setups, measure, render, out, title, raw_key, progress):
    """The dated environment, one ``measure(setup)`` result per setup
    (``progress(result)`` printed after each), then ``render(results, env)``
    stored as section ``title`` with the raw results under ``raw_key``."""
    env = environment()
    env["date"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    results = []
    for setup in setups:
        print(setup, "...", flush=True)
        results.append(measure(setup))
        print(progress(results[-1]), flush=True)
    text = render(results, env)
    raw = {"environment": env, "results": results}
    write_section(Path(out), title, text, raw_key, raw)
    print(text)
