"""The draw-a-digit page in a real headless Chromium (Debian's ``chromium``,
driven by Playwright): strokes drawn with the mouse, the prediction shown, the
bars summing to 100%, a screenshot, and the time from the end of a stroke to
the shown prediction (target: 50 ms).

Skipped only where no browser can be had; where the ``CI`` environment
variable is set (``.ci/run`` installs Chromium), a missing browser fails.
"""

from __future__ import annotations

import math
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = next(
    (
        p
        for p in (shutil.which("chromium"), "/usr/bin/chromium")
        if p and Path(p).exists()
    ),
    None,
)
#: Set to a file name to (re)write the documentation's screenshot there.
DOCS_SCREENSHOT = os.environ.get("SK_LENET_DOCS_SCREENSHOT")


def _browser_or_skip():
    missing = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing = 'Playwright is not installed (pip install "sk-lenet[test]")'
    if missing is None and CHROMIUM is None:
        missing = "no chromium executable (apt-get install chromium)"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser test: {missing}")
        pytest.skip(missing)
    return sync_playwright


@pytest.fixture(scope="module")
def page(live_server):
    sync_playwright = _browser_or_skip()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        tab = browser.new_page(viewport={"width": 900, "height": 560})
        tab.goto(live_server)
        yield tab
        browser.close()


def _stroke(tab, points):
    box = tab.locator("#canvas").bounding_box()
    scale = box["width"] / 280

    def at(p):
        return box["x"] + p[0] * scale, box["y"] + p[1] * scale

    tab.mouse.move(*at(points[0]))
    tab.mouse.down()
    for p in points[1:]:
        tab.mouse.move(*at(p), steps=2)
    tab.mouse.up()


def _drawn(tab, strokes, expected):
    # Each stroke's answer before the next stroke, as a person draws: the
    # page shows only the newest request's answer, so a stroke ended while
    # the previous one is still being answered supersedes it.
    before = tab.evaluate("window.predictions")
    for i, points in enumerate(strokes, start=1):
        _stroke(tab, points)
        tab.wait_for_function(f"window.predictions >= {before + i}", timeout=30_000)
    assert tab.inner_text("#error") == ""
    assert tab.inner_text("#answer") == expected
    percents = [float(t.rstrip("%")) for t in tab.locator(".pct").all_inner_texts()]
    assert len(percents) == 10
    assert sum(percents) == pytest.approx(100, abs=0.6)  # rounding of 10 bars
    assert percents == sorted(percents, reverse=True)
    n = len(strokes)
    return tab.evaluate(f"window.latencies.slice(-{n})"), tab.evaluate(
        f"window.serverTimes.slice(-{n})"
    )


def test_draw_digits_and_see_them_read(page, tmp_path, record_property):
    assert "LeNetClassifier" in page.inner_text("#about")
    assert "digits" in page.inner_text("#dataset")

    one = [[(140, 40 + 10 * i) for i in range(21)]]
    latencies, server = _drawn(page, one, "1")

    page.click("#clear")
    assert page.inner_text("#answer") == "" and page.locator(".pct").count() == 0
    ring = [
        (
            140 + 65 * math.sin(2 * math.pi * i / 36),
            140 - 95 * math.cos(2 * math.pi * i / 36),
        )
        for i in range(38)
    ]
    more = _drawn(page, [ring], "0")
    latencies, server = latencies + more[0], server + more[1]

    page.click("#clear")
    # a "7" in two strokes: the answer after each stroke's end
    seven = [[(70, 50), (210, 50)], [(210, 50), (170, 130), (130, 230)]]
    more = _drawn(page, seven, "7")
    latencies, server = latencies + more[0], server + more[1]

    shot = tmp_path / "serve.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    if DOCS_SCREENSHOT:
        page.screenshot(path=DOCS_SCREENSHOT, full_page=True)

    latencies = sorted(latencies)
    median = latencies[len(latencies) // 2]
    record_property("stroke_end_to_prediction_ms", latencies)
    record_property("server_ms", server)
    print(
        f"\nstroke end -> shown prediction: {[round(t, 1) for t in latencies]} ms "
        f"(median {median:.1f}); in the server: {server} ms"
    )
    assert median < 1000  # the target is 50 ms; this bounds a stalled server
