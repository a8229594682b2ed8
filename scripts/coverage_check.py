"""Fail when the suite's line coverage or branch coverage is under its floor.

coverage.py's ``fail_under`` is one number for lines and branches together, so a
well-covered file can hide untested branches. This reads coverage's JSON report and
checks the two on their own:

    python scripts/coverage_check.py coverage.json --lines 95 --branches 90

Exit status: 0 both floors held, 1 one was missed, 2 the report is unusable.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def check(totals: dict[str, int], *, lines: float, branches: float) -> list[str]:
    """One line per measure (``ok`` or ``UNDER``), from the report's ``totals``."""
    results = []
    for measure, covered, total, floor in (
        ("lines", totals["covered_lines"], totals["num_statements"], lines),
        ("branches", totals["covered_branches"], totals["num_branches"], branches),
    ):
        # Nothing to cover counts as fully covered, as coverage itself reports it.
        percent = 100.0 * covered / total if total else 100.0
        verdict = "ok" if percent >= floor else "UNDER"
        results.append(
            f"{verdict:5} {measure}: {percent:.2f} % ({covered}/{total}), floor {floor:g} %"
        )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path, help="coverage's JSON report (coverage json)")
    parser.add_argument("--lines", type=float, required=True, help="floor in percent")
    parser.add_argument("--branches", type=float, required=True, help="floor in percent")
    args = parser.parse_args(argv)
    try:
        report = json.loads(args.report.read_text())
        if not report["meta"]["branch_coverage"]:
            print(f"{args.report}: measured without branch = true", file=sys.stderr)
            return 2
        results = check(report["totals"], lines=args.lines, branches=args.branches)
    except (OSError, ValueError, KeyError) as error:
        print(f"{args.report}: not a coverage JSON report ({error!r})", file=sys.stderr)
        return 2
    for result in results:
        print(f"coverage {result}")
    return 1 if any(result.startswith("UNDER") for result in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
