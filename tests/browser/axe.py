"""axe-core (installed from the npm registry into node_modules, never fetched at run time) run inside a page.

`audit(page)` injects axe and returns the violations of the WCAG 2.0/2.1 A and AA rules; `blocking(...)` keeps those
of critical or serious impact — the ones a test fails on (GB/T 37668-2019 is aligned with WCAG 2.0/2.1 AA).
"""

import json
import os
from pathlib import Path

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"critical", "serious"}


# Every page state checked is logged (var/axe/<worker>.jsonl: its address, the viewport width and the violations by
# impact), so a run tells which pages were checked and what was found, not only whether it failed.
LOG_DIR = Path(__file__).resolve().parents[2] / "var" / "axe"


def audit(page) -> list[dict]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
                           TAGS)
    _log(page, result["violations"])
    return result["violations"]


def _log(page, violations):
    counts = {}
    for v in violations:
        counts[v.get("impact") or "unknown"] = counts.get(v.get("impact") or "unknown", 0) + len(v["nodes"])
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    width = (page.viewport_size or {}).get("width")
    line = {"url": page.url, "width": width, "violations": counts, "rules": sorted({v["id"] for v in violations})}
    with open(LOG_DIR / f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps(line, ensure_ascii=False) + "\n")


def blocking(violations) -> list[dict]:
    return [v for v in violations if v.get("impact") in BLOCKING]


def describe(violations) -> str:
    lines = []
    for v in violations:
        targets = [", ".join(n["target"]) if isinstance(n["target"], list) else str(n["target"]) for n in v["nodes"][:5]]
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({len(v['nodes'])}) → {'; '.join(map(str, targets))}")
    return "\n".join(lines)
