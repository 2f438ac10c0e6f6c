"""`make bench` at two scales: each run keeps its medians (var/bench/figures-<scale>-<vendor>.json); the province
run prints every figure beside the district's on the same database engine and the ratio, against the target of
issue 11 (each page family within 1.5× of its district-scale time)."""

import json
import re
from datetime import datetime
from pathlib import Path

from django.conf import settings

from .bench import _cell, _num, median_ms

PROVINCE_TARGET = 1.5
# Printed beside the district's but not judged against the target: the code paths the roll-ups replaced (kept to show
# what they saved) and the import, whose province file spreads its rows over 38 times the branches (not a page).
NOT_JUDGED = ("before:", "import ")


def judged(label: str) -> bool:
    return not any(part in label for part in NOT_JUDGED)


def figure_key(label: str) -> str:
    """The label without what differs between scales: quoted search terms, counts, page numbers and years."""
    key = re.sub(r"“[^”]*”", "“…”", label)
    return re.sub(r"\d[\d,./-]*", "N", key)


def _path(scale, vendor) -> Path:
    return Path(settings.VAR_DIR) / "bench" / f"figures-{scale}-{vendor}.json"


def save_figures(figures, *, scale, vendor, size) -> Path:
    path = _path(scale, vendor)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"scale": scale, "vendor": vendor, "size": size, "taken": datetime.now().isoformat(timespec="seconds"),
            "figures": {figure_key(f.label): {"label": f.label, "median_ms": median_ms(f.times),
                                              "base_ms": median_ms(f.base_times)} for f in figures}}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def compare_scales(figures, *, scale, vendor) -> list[str]:
    """The province's figures beside the district's (nothing at district scale)."""
    if scale != "province":
        return []
    path = _path("district", vendor)
    if not path.exists():
        return [f"No district figures on {vendor} to compare with ({path} is missing): run make bench "
                "(district scale) on the same database engine, then this again."]
    district = json.loads(path.read_text(encoding="utf-8"))
    known = district["figures"]
    cols = [("figure", 48, False), ("province ms", 12, True), ("district ms", 12, True), ("× district", 10, True),
            ("≤ 1.5×", 6, False)]
    lines = ["", f"Province beside district — {vendor}; district figures taken {district['taken']} "
                 f"({district['size']})",
             "  ".join(_cell(h, w, r) for h, w, r in cols), "  ".join("-" * w for _, w, _ in cols)]
    over = []
    for f in figures:
        here = median_ms(f.times)
        there = (known.get(figure_key(f.label)) or {}).get("median_ms")
        ratio = here / there if here and there else None
        if ratio is not None and ratio > PROVINCE_TARGET and judged(f.label):
            over.append(f.label)
        mark = "—" if ratio is None or not judged(f.label) else ("yes" if ratio <= PROVINCE_TARGET else "NO")
        values = [f.label, _num(here), _num(there), f"{ratio:.2f}×" if ratio is not None else "—", mark]
        lines.append("  ".join(_cell(v, w, r) for v, (_, w, r) in zip(values, cols)))
    compared = sum(1 for f in figures if (known.get(figure_key(f.label)) or {}).get("median_ms") and judged(f.label))
    lines.append(f"{compared} figures judged; {compared - len(over)} within {PROVINCE_TARGET}× of the district, "
                 f"{len(over)} above" + (f": {', '.join(over)}" if over else "")
                 + " (not judged, marked —: the replaced code paths (“before:”) and the import)")
    return lines
