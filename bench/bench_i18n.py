"""What Chinese findings cost: validation + QA of the 1,000-node benchmark script in en and zh.

Two documents: the valid one (few findings) and a broken copy where every question lacks its silence
and no-match branches and has a title (hundreds of findings, each rendered with the node title), so
message rendering dominates. Prints medians and the zh/en ratio.

Run: .venv/bin/python bench/bench_i18n.py [--nodes N] [--runs R]
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import median_ms
from bench_designer import generate  # noqa: E402

from designer.qa import qa  # noqa: E402
from designer.validate import validate  # noqa: E402


def _broken(doc: dict[str, Any]) -> dict[str, Any]:
    d = copy.deepcopy(doc)
    for n in d["nodes"]:
        if n["type"] == "say_listen":
            n["title"] = f"询问{n['id']}"
            n["branches"] = [b for b in n["branches"] if "event" not in b["when"]]
    return d


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--nodes", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    valid = generate(args.nodes)
    broken = _broken(valid)
    for name, doc in (("valid", valid), ("broken", broken)):
        findings = len(qa(doc).findings)
        row: dict[str, float] = {}
        for lang in ("en", "zh"):
            def check(d: dict[str, Any] = doc, lg: str = lang) -> object:
                return validate(d, lang=lg), qa(d, lang=lg)

            row[lang] = median_ms(check, args.runs)
        print(f"{name:6} ({findings:4} findings)  validate+qa median  en {row['en']:7.1f} ms  "
              f"zh {row['zh']:7.1f} ms  zh/en {row['zh'] / row['en']:.2f}")


if __name__ == "__main__":
    main()
