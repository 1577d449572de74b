"""``python -m benchmarks``: run the benchmarks side by side and write RESULTS.md.

    python -m benchmarks             # everything (~30 min on 2 cores), writes benchmarks/RESULTS.md
    python -m benchmarks --quick     # smoke run (~2 min), writes benchmarks/.work/RESULTS.quick.md
    python -m benchmarks --sections coldstart,events

A run of only some sections, or a quick one, does not overwrite benchmarks/RESULTS.md unless
``--output`` says so. Run from the repository root (``make bench`` does).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
import traceback
from pathlib import Path

from . import coldstart, events, live, machine, report, scale, synth
from .env import BENCH, WORK, changed_files, code_digests, git_revision, isolate, results_at

SECTIONS = ("synth", "coldstart", "events", "scale")
FULL = {
    "sizes": [1, 10, 50, 200],
    "synth_repeats": 5,
    "verify": True,
    "coldstart_rounds": 20,
    "event_repeats": 5,
    "scale_sizes": [1, 10, 50, 200],
}
QUICK = {
    "sizes": [1, 10],
    "synth_repeats": 1,
    "verify": False,
    "coldstart_rounds": 3,
    "event_repeats": 1,
    "scale_sizes": [1, 10],
}
LATENCY = 0.03  # seconds per API call: a realistic in-region round trip to the SMS API
RATE = 1.0  # requests per second per operation in the scale section
DEFAULT_TIMEOUT = 600.0  # used only when the construct's Lambda timeout cannot be read


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run with few repeats and small N")
    parser.add_argument(
        "--sections",
        default=",".join(SECTIONS),
        help=f"comma-separated, from {','.join(SECTIONS)} (synth includes the asset). Default: all",
    )
    parser.add_argument("--output", type=Path, help="where to write the results. Default: see above")
    parser.add_argument(
        "--compare-with",
        metavar="REV",
        help="quote the synth ratios of benchmarks/RESULTS.md as committed at REV (default: the file this"
        " run replaces)",
    )
    args = parser.parse_args(argv)
    args.sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = sorted(set(args.sections) - set(SECTIONS))
    if unknown:
        parser.error(f"--sections: unknown {unknown}; choose from {list(SECTIONS)}")
    if args.output is None:
        if args.quick:
            args.output = WORK / "RESULTS.quick.md"
        elif set(args.sections) != set(SECTIONS):
            args.output = WORK / "RESULTS.partial.md"
        else:
            args.output = BENCH / "RESULTS.md"
    return args


def _say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def _lambda_timeout(result: report.Results) -> float:
    """The construct's Lambda timeout, read from a synthesized template."""
    if result.synth and result.synth.lambda_timeout:
        return float(result.synth.lambda_timeout)
    outdir = WORK / "synth" / "timeout-probe"
    try:
        synth.synth_once("ours", 1, outdir)
        found = synth._lambda_timeout(outdir)
    except synth.SynthError as exc:
        _say(f"could not read the construct's Lambda timeout ({exc}); using {DEFAULT_TIMEOUT:.0f} s")
        return DEFAULT_TIMEOUT
    finally:
        shutil.rmtree(outdir, ignore_errors=True)
    return float(found or DEFAULT_TIMEOUT)


def main(argv: list[str] | None = None) -> int:
    args = _parse(sys.argv[1:] if argv is None else argv)
    settings = QUICK if args.quick else FULL
    isolate()
    WORK.mkdir(parents=True, exist_ok=True)
    command = "python -m benchmarks" + (" --quick" if args.quick else "")
    if set(args.sections) != set(SECTIONS):
        command += f" --sections {','.join(args.sections)}"
    if args.compare_with:
        command += f" --compare-with {args.compare_with}"
    result = report.Results(command, args.quick, machine.describe())
    result.revision = git_revision()
    digests_before = code_digests()
    started = time.perf_counter()

    def attempt(name: str, work: object) -> None:
        _say(f"{name}: started")
        begun = time.perf_counter()
        try:
            work()  # type: ignore[operator]
        except Exception as exc:  # a section that cannot run is reported, the others still run
            result.errors[name] = f"{type(exc).__name__}: {exc}"
            traceback.print_exc()
        _say(f"{name}: done in {time.perf_counter() - begun:.0f} s")

    if "synth" in args.sections:

        def run_synth() -> None:
            result.synth = synth.run(settings["sizes"], settings["synth_repeats"], verify=settings["verify"])

        attempt("synth", run_synth)
    if "coldstart" in args.sections:

        def run_coldstart() -> None:
            result.coldstart = coldstart.run(settings["coldstart_rounds"])

        attempt("coldstart", run_coldstart)
    if "events" in args.sections or "scale" in args.sections:
        timeout = _lambda_timeout(result) if "scale" in args.sections else DEFAULT_TIMEOUT

        def run_live() -> None:
            with live.started() as running:
                if "events" in args.sections:
                    result.events = events.run(
                        running, repeats=settings["event_repeats"], latency=LATENCY, timeout=timeout
                    )
                if "scale" in args.sections:
                    _say(f"scale: N={settings['scale_sizes']} Updates at {RATE:g} request/s per operation")
                    result.scale = scale.run(
                        running,
                        sizes=settings["scale_sizes"],
                        rate=RATE,
                        timeout=timeout,
                        latency=LATENCY,
                        say=_say,
                    )

        attempt("events/scale", run_live)
    result.seconds = time.perf_counter() - started
    changed = changed_files(digests_before, code_digests())
    if changed:
        result.errors["code changed"] = (
            f"{', '.join(changed)} changed during the run, so its sections may mix two versions: run it again"
        )
    last_full_run = BENCH / "RESULTS.md"
    if args.compare_with:
        earlier = results_at(args.compare_with)
        if earlier is None:
            result.errors["compare-with"] = f"git has no benchmarks/RESULTS.md at {args.compare_with}"
        result.previous_synth = report.previous_synth(earlier or "")
    elif last_full_run.exists():
        result.previous_synth = report.previous_synth(last_full_run.read_text(encoding="utf-8"))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report.render(result))
    _say(f"wrote {args.output}")
    for target in report.targets(result):
        _say(f"  {report._ok(target.met):>12}  {target.name}: {target.measured}")
    return 1 if result.errors else 0


if __name__ == "__main__":
    sys.exit(main())
