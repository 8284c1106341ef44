"""`python -m bench --tier embedded|servers`: measure hoso beside the raw limits underneath it.

Starts the service (`python -m core serve`) on fresh stores for each scenario, loads it, measures
the part underneath in the same run, prints one markdown table and writes it to
bench/results/<tier>-<date>.md. Everything it started is stopped at the end, on error and on
Ctrl-C too.
"""

from __future__ import annotations

import argparse
import asyncio
import shlex
import signal
import sys
import time
from pathlib import Path

from bench.report import Report
from bench.scenarios import Options, all_scenarios
from bench.service import Tier, clear_settings_environment


def main(argv: list[str] | None = None) -> int:
    scenarios = all_scenarios()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--tier", choices=["embedded", "servers"], default="embedded")
    parser.add_argument(
        "--only", nargs="+", choices=list(scenarios), help="run these scenarios only"
    )
    parser.add_argument(
        "--with-100k", action="store_true", help="pages at 100,000 documents too (slow)"
    )
    parser.add_argument("--quick", action="store_true", help="tiny counts: a smoke run")
    parser.add_argument(
        "--label", default="", help="what is measured, for the heading (default: the git commit)"
    )
    args = parser.parse_args(argv)

    dropped = clear_settings_environment()
    # A SIGTERM stops the bench as Ctrl-C does: through the cleanup of everything it started.
    signal.signal(signal.SIGTERM, signal.default_int_handler)

    options = Options(quick=args.quick, with_100k=args.with_100k)
    report = Report(args.tier, label=args.label)
    # The figures assume nothing else keeps the cores busy: say how busy they were at the start.
    load_at_start = Path("/proc/loadavg").read_text().split()[0]
    report.notes.append(f"load average (1 min) when the bench started: {load_at_start}")
    if dropped:
        report.notes.append(f"ignored from the environment: {', '.join(dropped)}")
    started = time.monotonic()
    chosen = args.only or list(scenarios)
    with Tier(args.tier) as tier:
        for name in chosen:
            print(f"[bench] {args.tier}: {name} …", file=sys.stderr, flush=True)
            began = time.monotonic()
            rows, notes = asyncio.run(scenarios[name](tier, options))
            report.add(rows, notes)
            print(f"[bench] {name} done in {time.monotonic() - began:.0f} s", file=sys.stderr)
    command = "python -m bench " + shlex.join(argv if argv is not None else sys.argv[1:])
    text = report.markdown(time.monotonic() - started, command)
    print(text)
    print(f"[bench] written to {report.write(text)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("[bench] interrupted: everything it started is stopped", file=sys.stderr)
        sys.exit(130)
