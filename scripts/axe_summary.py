"""What the browser tests' accessibility checks saw (tests/browser/axe.py logs each page state to var/axe/*.jsonl):
how many page states and distinct pages were checked, at which widths, and the violations by impact. With --pages,
each page (its address with numbers as <id>) and its counts. Usage: python scripts/axe_summary.py [--pages]"""

import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlsplit

LOG_DIR = Path(__file__).resolve().parents[1] / "var" / "axe"


def page_key(url: str) -> str:
    parts = urlsplit(url)
    path = re.sub(r"/\d+(?=/|$)", "/<id>", parts.path)
    keys = sorted({pair.partition("=")[0] for pair in parts.query.split("&") if pair})  # the values (names) left out
    return path + ("?" + "&".join(f"{k}=…" for k in keys) if keys else "")


def main(argv):
    states, impacts, pages, widths = 0, Counter(), defaultdict(lambda: [0, Counter()]), Counter()
    for log in sorted(LOG_DIR.glob("*.jsonl")):
        for line in log.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            states += 1
            widths[row.get("width")] += 1
            impacts.update(row["violations"])
            entry = pages[page_key(row["url"])]
            entry[0] += 1
            entry[1].update(row["violations"])
    if not states:
        print("axe-core: no page checked (var/axe is empty)")
        return 0
    found = ", ".join(f"{k} {impacts[k]}" for k in ("critical", "serious", "moderate", "minor") if impacts[k]) or "none"
    print(f"axe-core (WCAG 2.0/2.1 A and AA): {states} page states, {len(pages)} distinct pages, widths "
          f"{', '.join(f'{w} px × {n}' for w, n in sorted(widths.items(), key=lambda x: x[0] or 0))}; "
          f"violations (elements) by impact: {found}")
    if "--pages" in argv:
        for key in sorted(pages):
            n, counts = pages[key]
            print(f"  {key}  ×{n}  " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "0"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
