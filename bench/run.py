"""``make bench``: every figure in one run, each next to its reference; writes bench/report.json
and bench/report.md and prints a summary table.

Each part runs in a fresh child process (so each peak RSS is that run's alone); the stack
parts start their own moto process. Sizes and parts come from the environment:

=========================  =======  ===================================================
BENCH_PARTS                all      pipeline,bulk,naive,latency,fanout,signatures,scale,webhook
BENCH_PIPELINE_SIZE        20000    part 1: entries in the one JSON list
BENCH_REPEATS              3        part 1: best of this many runs
BENCH_SIZE                 100000   part 2: the big bulk upload
BENCH_SMALL_SIZE           10000    part 2: the small one (and its resend)
BENCH_NAIVE_SIZE           10000    part 3: the naive PutItem-per-entry sample
BENCH_LATENCY_MS           5        variant of 2–3 with this delay on every AWS answer (0: off)
BENCH_LATENCY_BULK_SIZE    10000    … bulk size in that variant
BENCH_LATENCY_NAIVE_SIZE   2000     … naive sample in that variant
BENCH_FANOUT_SIZE          2000     part 4: entries pushed through bulk, then fanned out
BENCH_FANOUT_BATCHED_SIZE  1000     part 4 again, 31 provinces on batched delivery (AWS model)
BENCH_SIGNATURE_SIZE       5000     part 5: entries in the push whose signature is timed
BENCH_SCALE_SIZES          (*)      part 7: listings held while tick and overdue list run
BENCH_WEBHOOK_SAMPLES      30       part 6: pushes timed until their webhook arrived
BENCH_PRICE_*              see costs.Prices (CNY; assumptions to check)
=========================  =======  ===================================================

(*) ``5000,10000``: comma-separated, a process each (``bench.scale``); 10⁵ takes 40+ minutes
here (bench/README.md, part 7, runs it in steps).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from bench import costs, report, report_targets, targets
from bench.common import env_float, env_int
from gateway_client.contract import LOCAL_IDENTITY_SECRET, identity_key, use_identity_key

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
ALL_PARTS = ("pipeline", "bulk", "naive", "latency", "fanout", "signatures", "scale", "webhook")


def _child(args: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``python -m <args…> OUT`` in a fresh process and read the JSON it wrote."""
    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        out = Path(tmp) / "result.json"
        label = " ".join(args[1:]) if args[0] == "bench.stack_parts" else args[0]
        extra = f" (latency {env['BENCH_STACK_LATENCY_MS']} ms)" if env else ""
        print(f"[bench] {label}{extra} …", file=sys.stderr, flush=True)
        started = time.perf_counter()
        subprocess.run(  # noqa: S603 - our own interpreter and modules
            [sys.executable, "-m", *args, str(out)],
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            check=True,
        )
        result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        result["child_seconds"] = time.perf_counter() - started
        print(
            f"[bench] {label}{extra}: {result['child_seconds']:.1f} s", file=sys.stderr, flush=True
        )
        return result


def _machine() -> dict[str, Any]:
    model = ""
    with open("/proc/cpuinfo", encoding="ascii", errors="replace") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="ascii") as meminfo:
        total_kb = int(meminfo.readline().split()[1])
    versions = {}
    for package in ("boto3", "botocore", "moto", "pydantic", "pydantic-core", "chalice"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "?"

    def git(*args: str) -> str:
        try:
            return subprocess.run(  # noqa: S603
                ["git", *args],  # noqa: S607 - read-only queries of this repository
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.rstrip()
        except (OSError, subprocess.CalledProcessError):
            return "?"

    return {
        "cores": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(total_kb / 1024**2, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
        "git_commit": git("rev-parse", "--short", "HEAD"),
        "git_uncommitted": [
            line[3:] for line in git("status", "--porcelain").splitlines() if line.strip()
        ],
        "load_average_at_start": os.getloadavg(),
    }


def main() -> None:
    use_identity_key(lambda: identity_key(LOCAL_IDENTITY_SECRET))  # as the local stage does
    wanted = [p.strip() for p in os.environ.get("BENCH_PARTS", ",".join(ALL_PARTS)).split(",")]
    unknown = set(wanted) - set(ALL_PARTS) - {""}
    if unknown:
        raise SystemExit(f"unknown BENCH_PARTS: {', '.join(sorted(unknown))}")
    config = {
        "pipeline_size": env_int("BENCH_PIPELINE_SIZE", 20_000),
        "repeats": env_int("BENCH_REPEATS", 3),
        "bulk_size": env_int("BENCH_SIZE", 100_000),
        "bulk_small_size": env_int("BENCH_SMALL_SIZE", 10_000),
        "naive_size": env_int("BENCH_NAIVE_SIZE", 10_000),
        "latency_ms": env_float("BENCH_LATENCY_MS", 5.0),
        "latency_bulk_size": env_int("BENCH_LATENCY_BULK_SIZE", 10_000),
        "latency_naive_size": env_int("BENCH_LATENCY_NAIVE_SIZE", 2_000),
        "fanout_size": env_int("BENCH_FANOUT_SIZE", 2_000),
        "fanout_batched_size": env_int("BENCH_FANOUT_BATCHED_SIZE", 1_000),
        "signature_size": env_int("BENCH_SIGNATURE_SIZE", 5_000),
        "scale_sizes": os.environ.get("BENCH_SCALE_SIZES", "5000,10000").split(","),
        "webhook_samples": env_int("BENCH_WEBHOOK_SAMPLES", 30),
        "parts": wanted,
    }
    results: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": _machine(),
        "config": config,
    }
    started = time.perf_counter()
    if "pipeline" in wanted:
        results["pipeline"] = _child(["bench.pipeline"])
    if "bulk" in wanted:
        small, big = config["bulk_small_size"], config["bulk_size"]
        results["bulk"] = {
            str(small): _child(["bench.stack_parts", "bulk+resend", str(small)]),
            str(big): _child(["bench.stack_parts", "bulk", str(big)]),
        }
    if "naive" in wanted:
        results["naive"] = _child(["bench.stack_parts", "naive", str(config["naive_size"])])
    if "latency" in wanted and config["latency_ms"] > 0:
        env = {"BENCH_STACK_LATENCY_MS": str(config["latency_ms"])}
        results["latency"] = {
            "latency_ms": config["latency_ms"],
            "bulk": _child(["bench.stack_parts", "bulk", str(config["latency_bulk_size"])], env),
            "naive": _child(["bench.stack_parts", "naive", str(config["latency_naive_size"])], env),
        }
    if "fanout" in wanted:
        results["fanout"] = _child(["bench.stack_parts", "fanout", str(config["fanout_size"])])
        results["fanout_batched"] = _child(
            ["bench.stack_parts", "fanout31+batched", str(config["fanout_batched_size"])]
        )
    if "signatures" in wanted:
        results["signatures"] = _child(["bench.signatures"])
    if "scale" in wanted:  # a process a size: each peak RSS its own
        results["scale"] = {n: _child(["bench.scale", n]) for n in config["scale_sizes"]}
    if "webhook" in wanted:
        results["webhook"] = _child(["bench.webhook", str(config["webhook_samples"])])
    results["total_seconds"] = time.perf_counter() - started
    results["machine"]["load_average_at_end"] = os.getloadavg()
    results["costs"] = costs.model(results, costs.Prices.from_env())
    results["summary"] = report.summary(results)
    results["aws_model"] = targets.aws_model_results(results)
    results = {"targets": targets.evaluate(results, ALL_PARTS), **results}

    (HERE / "report.json").write_text(
        json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (HERE / "report.md").write_text(report.markdown(results), encoding="utf-8")
    print(report.summary_table(results["summary"]))
    print("\n" + report_targets.text_table(results["targets"]))
    print(f"\nwrote {HERE / 'report.md'} and {HERE / 'report.json'}")


if __name__ == "__main__":
    main()
