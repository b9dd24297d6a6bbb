#!/usr/bin/env python3
"""run.py -- run every bench and write bench/RESULTS.md and its plots
(--quick: bench/out/RESULTS-quick.md and bench/out/plots, never the committed ones).

    python3 bench/run.py [--quick] [--data DIR] [--out bench/out] [--scales 0.25,0.5,1,2,4]

Called by `make bench` / `make bench-quick` (bench/bench.mk), which build the
drivers first. For every corpus prep.py wrote, each engine's driver indexes
the same TSV and times the same short and long queries; Cranfield runs go
through bench/trec_eval.py. Every figure in RESULTS.md comes from this run;
results.json in --out keeps the raw numbers (with every latency).
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import trec_eval  # noqa: E402

ENGINES = ("cvsearch", "fts5", "xapian")
EXT = {"cvsearch": ".cvs", "fts5": ".fts5", "xapian": ".xapian"}
HERE = os.path.dirname(os.path.abspath(__file__))


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def sh(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def driver(args, engine, *a):
    r = sh([f"{args.bin}/bench_{engine}", *a])
    if r.returncode != 0:
        raise RuntimeError(f"bench_{engine} {' '.join(a)}: {r.stderr.strip()}")
    return json.loads(r.stdout)


def rm(path):
    if os.path.isdir(path):
        shutil.rmtree(path, ignore_errors=True)
    elif os.path.exists(path):
        os.unlink(path)


def machine():
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = int(open("/proc/meminfo").readline().split()[1]) // 1024 // 1024
    except OSError:
        mem = 0
    commit = sh(["git", "rev-parse", "--short", "HEAD"]).stdout.strip() or "?"
    dirty = sh(["git", "status", "--porcelain", "--untracked-files=no"]).stdout.strip()

    def ver(cmd):
        r = sh(["sh", "-c", cmd])
        return r.stdout.strip().splitlines()[0] if r.returncode == 0 and r.stdout.strip() else "?"
    return {
        "cpu": cpu, "cores": os.cpu_count(), "mem_gib": mem,
        "os": f"{platform.system()} {platform.release()}",
        "debian": ver("cat /etc/debian_version"),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit + (" (with uncommitted changes)" if dirty else ""),
        "sqlite": ver("dpkg-query -W -f='${Version}' libsqlite3-dev"),
        "xapian": ver("dpkg-query -W -f='${Version}' libxapian-dev"),
        "cc": ver("cc --version"),
    }


def nolat(d):
    return {k: v for k, v in d.items() if k != "lat_ms"}


def bench_corpus(args, name, tsv, short, long_, budget_long, n_long=None):
    """Index tsv with every engine and time the queries; returns per-engine dicts."""
    res = {}
    for e in ENGINES:
        ix = f"{args.out}/{name}{EXT[e]}"
        log(f"{name}: {e} index")
        r = {"index": driver(args, e, "index", tsv, ix)}
        if os.path.exists(short):
            log(f"{name}: {e} short queries")
            r["short"] = driver(args, e, "query", ix, short, "--budget", str(args.budget_short))
        if os.path.exists(long_):
            lq = long_
            if n_long:
                lq = f"{args.out}/{name}.long{n_long}.tsv"
                with open(long_) as f, open(lq, "w") as g:
                    g.writelines(f.readlines()[:n_long])
            log(f"{name}: {e} long queries")
            r["long"] = driver(args, e, "query", ix, lq, "--warmup", "0", "--budget", str(budget_long))
        long800 = f"{args.out}/{name}.long800.tsv"
        if os.path.exists(long800) and not n_long:
            log(f"{name}: {e} 800-word queries")
            r["long800"] = driver(args, e, "query", ix, long800, "--warmup", "0", "--budget", str(budget_long))
        res[e] = r
    return res


def cold_process(args, ix, queries, n):
    """Whole-process cvsearch runs (startup + mmap + query), page cache warm."""
    qs = [l.rstrip("\n").split("\t", 1)[1] for l in open(queries)][:n]
    env = {**os.environ, "NO_COLOR": "1"}
    ms, stop_only = [], set()
    for rep in range(2):
        for q in qs:
            if q in stop_only:
                continue
            t0 = time.perf_counter()
            r = subprocess.run([args.cvsearch, "--index", ix, "--no-update", "--", q],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
            t = (time.perf_counter() - t0) * 1e3
            if r.returncode == 2 and b"no searchable words" in r.stderr:
                stop_only.add(q)  # only stop words ('If'): an error by design, not timed
                continue
            if r.returncode not in (0, 1):
                raise RuntimeError(f"cvsearch --index {ix} --no-update {q!r}: exit {r.returncode}")
            if rep:
                ms.append(t)
    out = {"queries": len(ms), "lat_ms": ms, **pcts(ms),
           "command": f"{args.cvsearch} --index INDEX --no-update QUERY"}
    if shutil.which("hyperfine") and qs:
        hf = f"{args.out}/hyperfine.json"
        r = sh(["hyperfine", "-N", "--warmup", "3", "--runs", "20" if args.quick else "50",
                "--export-json", hf, f"{args.cvsearch} --index {ix} --no-update {qs[0]}"])
        if r.returncode == 0:
            h = json.load(open(hf))["results"][0]
            out["hyperfine"] = {"query": qs[0], "mean_ms": h["mean"] * 1e3,
                                "stddev_ms": h["stddev"] * 1e3, "min_ms": h["min"] * 1e3,
                                "runs": len(h["times"])}
    return out


def pcts(ms):
    s = sorted(ms)
    if not s:
        return {}

    def p(x):
        k = max(1, min(len(s), int(x / 100 * len(s) + 0.999999)))
        return s[k - 1]
    return {"p50_ms": p(50), "p95_ms": p(95), "p99_ms": p(99), "mean_ms": statistics.mean(s)}


def match_bench(args, ix, long_q, n):
    """`cvsearch match FILE` (issue #3), cold process; None if not available."""
    qs = [l.rstrip("\n").split("\t", 1)[1] for l in open(long_q)][:n]
    if not qs:
        return None, "no long queries"
    files = []
    for i, q in enumerate(qs):
        p = f"{args.out}/jd{i}.txt"
        open(p, "w").write(q + "\n")
        files.append(p)
    probe = sh([args.cvsearch, "--index", ix, "--no-update", "match", files[0]])
    if probe.returncode not in (0, 1) or not probe.stdout.strip():
        return None, (probe.stderr.strip().splitlines() or [f"exit {probe.returncode}"])[0]
    ms = []
    for f in files:
        t0 = time.perf_counter()
        subprocess.run([args.cvsearch, "--index", ix, "--no-update", "match", f],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ms.append((time.perf_counter() - t0) * 1e3)
    return {"queries": len(ms), "lat_ms": ms, **pcts(ms)}, None


def match_jd_bench(args, ix, reps):
    """`cvsearch match` on the hand-written job ads of bench/jd (and the dev one), cold process."""
    files = sorted(f"{HERE}/jd/{f}" for f in os.listdir(f"{HERE}/jd") if f.endswith(".txt")) \
        if os.path.isdir(f"{HERE}/jd") else []
    dev = f"{args.data}/../eval/dev-jd1-platform-tooling.txt"
    if os.path.exists(dev):
        files.insert(0, dev)
    if not files:
        return None
    per = {}
    for f in files:
        ms = []
        for _ in range(reps + 1):
            t0 = time.perf_counter()
            r = subprocess.run([args.cvsearch, "--index", ix, "--no-update", "match", f],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            ms.append((time.perf_counter() - t0) * 1e3)
            if r.returncode not in (0, 1):
                return None
        ms = ms[1:]  # the first run warms the page cache
        per[os.path.basename(f)] = {"words": len(open(f, encoding="utf-8").read().split()),
                                    "lat_ms": ms, **pcts(ms)}
    return per


def cranfield(args, res):
    docs, topics, qrels = (f"{args.out}/cranfield.{x}" for x in ("docs.tsv", "topics.tsv", "qrels.trec"))
    q = {}
    run = f"{args.out}/cranfield.cvsearch.trec"
    t0 = time.perf_counter()
    r = sh([args.cvsearch, "batch", "--docs", docs, "--topics", topics, "--run", run])
    if r.returncode != 0:
        raise RuntimeError(f"cvsearch batch: {r.stderr.strip()}")
    q["cvsearch"] = {"run_seconds": time.perf_counter() - t0}
    for e in ("fts5", "xapian"):
        run_e = f"{args.out}/cranfield.{e}.trec"
        driver(args, e, "query", f"{args.out}/cranfield{EXT[e]}", topics, "--limit", "1000",
               "--run", run_e, "--warmup", "0")
        q[e] = {}
    qr = trec_eval.read_qrels(qrels)
    for e in ENGINES:
        mean, _, n = trec_eval.evaluate(qr, trec_eval.read_run(f"{args.out}/cranfield.{e}.trec"))
        q[e].update(mean)
        q[e]["queries"] = n
    res["quality"] = q


# ---- report -----------------------------------------------------------------------

def fmt(v, unit=""):
    if v is None:
        return "–"
    if isinstance(v, int) or (isinstance(v, float) and v >= 1000 and unit != "ms"):
        return f"{v:,.0f}"
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    if v >= 0.1:
        return f"{v:.2f}"
    return f"{v:.3f}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "–"
    return f"{a / b:.2f}×"


def get(d, *path):
    for p in path:
        if not isinstance(d, dict) or p not in d:
            return None
        d = d[p]
    return d


ROWS = [
    ("index wall time (s)", ("index", "wall_s")),
    ("index CPU time (s)", ("index", "cpu_s")),
    ("input text (MB/s)", ("index", "mb_per_s")),
    ("documents/s", ("index", "docs_per_s")),
    ("peak RSS (MB)", ("index", "peak_rss_mb")),
    ("index size (MB)", ("index", "index_mb")),
    ("postings (term, doc)", ("index", "postings")),
    ("bytes per posting", ("index", "bytes_per_posting")),
    ("short query p50 (ms)", ("short", "p50_ms")),
    ("short query p95 (ms)", ("short", "p95_ms")),
    ("short query p99 (ms)", ("short", "p99_ms")),
    ("long query p50 (ms)", ("long", "p50_ms")),
    ("long query p95 (ms)", ("long", "p95_ms")),
    ("long query p99 (ms)", ("long", "p99_ms")),
    ("800-word query p50 (ms)", ("long800", "p50_ms")),
    ("800-word query p95 (ms)", ("long800", "p95_ms")),
    ("queries timed short / long", None),
]


def corpus_table(r):
    for e in ENGINES:
        ix = r[e]["index"]
        ix["peak_rss_mb"] = ix["peak_rss_kb"] / 1024
        ix["index_mb"] = ix["index_bytes"] / 1e6
    lines = ["| | cvsearch | FTS5 | Xapian | cvsearch ÷ FTS5 | cvsearch ÷ Xapian |",
             "|---|---:|---:|---:|---:|---:|"]
    for label, path in ROWS:
        if path is None:
            cells = [f"{get(r[e], 'short', 'queries') or 0} / {get(r[e], 'long', 'queries') or 0}"
                     + (f" / {get(r[e], 'long800', 'queries') or 0}" if "long800" in r[e] else "")
                     for e in ENGINES]
            lines.append(f"| {label} | " + " | ".join(cells) + " | | |")
            continue
        v = [get(r[e], *path) for e in ENGINES]
        if all(x is None for x in v):
            continue
        lines.append(f"| {label} | " + " | ".join(fmt(x) for x in v) +
                     f" | {ratio(v[0], v[1])} | {ratio(v[0], v[2])} |")
    return "\n".join(lines)


def x_than(a, b, what_less, what_more):
    """'3.1× faster' style phrase for a value a against b where smaller is better."""
    if a is None or b is None or a == 0 or b == 0:
        return "not measured"
    if a <= b:
        return f"{b / a:.1f}× {what_less}"
    return f"{a / b:.1f}× {what_more}"


def meaning(name, r):
    c, f, x = r["cvsearch"], r["fts5"], r["xapian"]
    s = []
    s.append(f"Indexing, cvsearch took {fmt(c['index']['wall_s'])} s: "
             f"{x_than(c['index']['wall_s'], f['index']['wall_s'], 'faster', 'slower')} than FTS5 and "
             f"{x_than(c['index']['wall_s'], x['index']['wall_s'], 'faster', 'slower')} than Xapian; "
             f"its index is {x_than(c['index']['index_bytes'], f['index']['index_bytes'], 'smaller', 'larger')} "
             f"than FTS5's and {x_than(c['index']['index_bytes'], x['index']['index_bytes'], 'smaller', 'larger')} "
             f"than Xapian's, at {fmt(c['index']['peak_rss_mb'])} MB peak RSS against "
             f"{fmt(f['index']['peak_rss_mb'])} and {fmt(x['index']['peak_rss_mb'])} MB.")
    for kind, label in (("short", "short (1–3 word)"), ("long", "long (job-description length)"),
                        ("long800", "800-word")):
        if get(c, kind, "p50_ms") is None:
            continue
        s.append(f"For {label} queries the median cvsearch latency is {fmt(c[kind]['p50_ms'])} ms, "
                 f"{x_than(c[kind]['p50_ms'], get(f, kind, 'p50_ms'), 'faster', 'slower')} than FTS5 "
                 f"({fmt(get(f, kind, 'p50_ms'))} ms) and "
                 f"{x_than(c[kind]['p50_ms'], get(x, kind, 'p50_ms'), 'faster', 'slower')} than Xapian "
                 f"({fmt(get(x, kind, 'p50_ms'))} ms); at p99 it is {fmt(c[kind]['p99_ms'])} ms against "
                 f"{fmt(get(f, kind, 'p99_ms'))} and {fmt(get(x, kind, 'p99_ms'))} ms.")
    return " ".join(s)


def gnuplot(args, name, script):
    if not shutil.which("gnuplot"):
        return False
    p = f"{args.out}/{name}.gp"
    open(p, "w").write(script)
    r = sh(["gnuplot", p])
    if r.returncode != 0:
        log(f"gnuplot {name}: {r.stderr.strip()}")
        return False
    return True


def plot_latency(args, name, r, kind):
    """Latency CDF per engine (log x)."""
    data = []
    for e in ENGINES:
        lat = sorted(get(r[e], kind, "lat_ms") or [])
        p = f"{args.out}/{name}.{kind}.{e}.dat"
        with open(p, "w") as f:
            for i, v in enumerate(lat, 1):
                f.write(f"{v} {i / len(lat)}\n")
        data.append((e, p))
    png = f"{args.plots}/{name}-{kind}-latency.png"
    ok = gnuplot(args, f"{name}-{kind}", f"""set terminal pngcairo size 800,480
set output '{png}'
set title '{name}: {kind} query latency, top 10 by BM25 (CDF)'
set xlabel 'latency (ms, log scale)'
set ylabel 'share of queries'
set logscale x
set key bottom right
set grid
plot """ + ", ".join(f"'{p}' using 1:2 with steps lw 2 title '{e}'" for e, p in data) + "\n")
    return os.path.basename(png) if ok else None


def plot_scaling(args, scal):
    pts = sorted(scal.items(), key=lambda kv: kv[1]["scale"])
    p = f"{args.out}/scaling.dat"
    with open(p, "w") as f:
        f.write("# MB " + " ".join(f"{e}_wall {e}_size {e}_p50s {e}_p50l" for e in ENGINES) + "\n")
        for _, r in pts:
            mb = r["cvsearch"]["index"]["text_bytes"] / 1e6
            row = [f"{mb:.1f}"]
            for e in ENGINES:
                row += [str(r[e]["index"]["wall_s"]), str(r[e]["index"]["index_bytes"] / 1e6),
                        str(get(r[e], "short", "p50_ms") or "NaN"), str(get(r[e], "long", "p50_ms") or "NaN")]
            f.write(" ".join(row) + "\n")
    out = []
    for col, what, ylab, logy in ((2, "indexing", "index wall time (s)", False),
                                  (3, "size", "index size (MB)", False),
                                  (4, "short-p50", "short query p50 (ms)", True),
                                  (5, "long-p50", "long query p50 (ms)", True)):
        png = f"{args.plots}/scaling-{what}.png"
        plots = ", ".join(f"'{p}' using 1:{1 + i * 4 + col - 1} with linespoints lw 2 title '{e}'"
                          for i, e in enumerate(ENGINES))
        if gnuplot(args, f"scaling-{what}", f"""set terminal pngcairo size 640,420
set output '{png}'
set title 'Gutenberg scaling: {ylab}'
set xlabel 'input text (MB)'
set ylabel '{ylab}'
{'set logscale y' if logy else ''}
set key top left
set grid
plot {plots}
"""):
            out.append(os.path.basename(png))
    return out


def report(args, res):
    m = res["machine"]
    L = []
    L.append("# cvsearch benchmarks: cvsearch beside SQLite FTS5 and Xapian\n")
    L.append(f"Written by `{res['command']}` on {m['date']} at commit {m['commit']}, "
             f"{'quick' if args.quick else 'full'} mode; total run time {res['seconds'] / 60:.1f} min. "
             "Every figure below comes from that run (raw numbers, with every latency: "
             "`bench/out/results.json`). Regenerate with `make bench` (`make bench-quick`, under a minute, writes `bench/out/RESULTS-quick.md`).\n")
    L.append(f"- Machine: {m['cpu']}, {m['cores']} cores, {m['mem_gib']} GiB RAM, {m['os']}, "
             f"Debian {m['debian']}; {m['cc']}.")
    L.append(f"- Peers from Debian packages: libsqlite3-dev {m['sqlite']}, libxapian-dev {m['xapian']}. "
             "The engine never links them; only `build/bench/bench_fts5` and `bench_xapian` do.")
    L.append("- Data: `BENCH_DATA` = " + f"`{args.data}`" + ".")
    for s in res.get("skipped", []):
        L.append(f"- Skipped: {s}")
    L.append("")
    L.append("## How each engine is set up\n")
    L.append("All three drivers (`bench/bench_{cvsearch.c,fts5.c,xapian.cc}`, same command line) read the same "
             "TSV made once by `bench/prep.py` and run the same query files, timing each query with "
             "`clock_gettime(CLOCK_MONOTONIC)` in process: parse + search + fetch of the top 10 by BM25. "
             "Indexing wall time, CPU time and peak RSS come from `clock_gettime`, `getrusage` and `VmHWM` (/proc/self/status) of the driver "
             "process, from reading the TSV to the index on disk. Short queries get one untimed warm-up pass; "
             "long ones are timed on their first pass (page cache warm from indexing) and stop after a time "
             f"budget ({args.budget_long:g} s per engine and corpus), so 'queries timed' can be lower for a slow engine.\n")
    L.append("| | cvsearch | SQLite FTS5 | Xapian |\n|---|---|---|---|")
    L.append("| analysis | Unicode words, English stop words dropped, Snowball English stemmer | "
             "`tokenize='porter unicode61'` (no stop words) | TermGenerator, English stemmer, STEM_SOME (default), no stop words |")
    L.append("| positions | yes | yes (FTS5 always) | yes (`index_text`) |")
    L.append("| stored text | yes (zlib) | yes (content table; `docid UNINDEXED` column) | docid only (document data) |")
    L.append("| build | one in-memory builder, one file, fsync | one transaction, `journal_mode=OFF`, then `'optimize'` (timed) | one `commit()` at the end |")
    L.append("| query | raw text (no operators), BM25 (k1 1.2, b 0.75), plain OR (coord off) | "
             "distinct words quoted, joined with OR; `ORDER BY bm25(t) LIMIT 10` | QueryParser, flags 0, OP_OR; BM25Weight defaults |")
    L.append("")
    L.append("`cvsearch ÷ peer` is cvsearch's figure divided by the peer's: below 1× cvsearch is faster / smaller "
             "for times, sizes and RSS; above 1× it is faster for MB/s and documents/s. Bytes per posting is the "
             "index size over that engine's own (term, document) pair count, so it includes positions and stored text.\n")

    if "quality" in res:
        q = res["quality"]
        L.append("## Ranking quality: Cranfield\n")
        L.append(f"1400 abstracts, 225 topics as raw text, graded judgments (`qrels.trec`, gain 4..1; gain > 0 "
                 "relevant for the binary metrics), top 1000 per topic, all runs scored by `bench/trec_eval.py` "
                 "(tested by hand in `tests/cli/bench_eval.sh`). cvsearch's run is `cvsearch batch --docs "
                 "DOCS.tsv --topics TOPICS.tsv --run RUN.trec`.\n")
        L.append("| | nDCG@10 | MAP | P@10 | R@100 | MRR |\n|---|---:|---:|---:|---:|---:|")
        for e in ENGINES:
            L.append(f"| {e} | " + " | ".join(f"{q[e][k]:.4f}" for k in trec_eval.METRICS) + " |")
        for peer in ("fts5", "xapian"):
            L.append(f"| cvsearch ÷ {peer} | " + " | ".join(
                ratio(q['cvsearch'][k], q[peer][k]) for k in trec_eval.METRICS) + " |")
        best = max(ENGINES, key=lambda e: q[e]["ndcg@10"])
        L.append(f"\nWhat this means: on Cranfield the best nDCG@10 is {best}'s ({q[best]['ndcg@10']:.4f}); "
                 f"cvsearch scores {q['cvsearch']['ndcg@10']:.4f} nDCG@10 and {q['cvsearch']['map']:.4f} MAP "
                 f"against FTS5's {q['fts5']['ndcg@10']:.4f} / {q['fts5']['map']:.4f} and Xapian's "
                 f"{q['xapian']['ndcg@10']:.4f} / {q['xapian']['map']:.4f}. All three rank with BM25, so the gaps "
                 "come from analysis (stemmer, stop words) and BM25 details (IDF form, length normalization).\n")

    for name, title in (("sample", "The sample corpus (corpus/, one document per cvsearch story)"),
                        ("cranfield", "Cranfield (speed)"),
                        ("gutenberg", "Gutenberg sections"),
                        ("technical", "Technical text: this machine's man pages and package docs")):
        if name not in res["corpora"]:
            continue
        r = res["corpora"][name]
        man = res["manifest"].get(name, {})
        L.append(f"## {title}\n")
        c = r["cvsearch"]["index"]
        L.append(f"{c['docs']:,} documents, {c['text_bytes'] / 1e6:.1f} MB of text. "
                 + {"sample": "Short queries: the dev queries of `../shared/eval/dev-queries.json`; long: the "
                               "dev job description (143 words) and 200–800 words of other stories.",
                    "cranfield": "Short queries: 1–3 words drawn from the documents; long: 200–800 words of "
                                 "consecutive abstracts.",
                    "gutenberg": f"{man.get('books', '?')} books without the Project Gutenberg header and footer, "
                                 "split into sections of 3 paragraphs; short queries are 1–3 words drawn from "
                                 f"the sections; long queries are 200–800 words of {man.get('held_out_books', '?')} "
                                 "held-out books (unseen text, like a job ad).",
                    "technical": f"{man.get('man_pages', '?')} man pages (one document per `.SH` section, troff "
                                 f"stripped) and {man.get('doc_files', '?')} files of /usr/share/doc (changelogs, "
                                 "NEWS, READMEs; about 2 KB per document), in a fixed shuffled order up to "
                                 f"{man.get('cap_mb', '?')} MB: identifiers, versions, options and file names. "
                                 "Short queries are 1–3 tokens drawn from the documents (identifiers included); "
                                 "long queries are exactly 300 words (and a second set of 800 words) of held-out "
                                 "files (every 25th)."}[name] + "\n")
        L.append(corpus_table(r) + "\n")
        if name in res.get("cold", {}):
            cp = res["cold"][name]
            hf = cp.get("hyperfine")
            L.append(f"Cold whole-process `cvsearch` (startup + mmap + query + printing; page cache warm, "
                     f"`{cp['command']}`), {cp['queries']} short queries: p50 {fmt(cp['p50_ms'])} ms, "
                     f"p95 {fmt(cp['p95_ms'])} ms, p99 {fmt(cp['p99_ms'])} ms"
                     + (f"; hyperfine on `{hf['query']}`: {fmt(hf['mean_ms'])} ± {fmt(hf['stddev_ms'])} ms "
                        f"over {hf['runs']} runs" if hf else "") +
                     f" — against {fmt(get(r, 'cvsearch', 'short', 'p50_ms'))} ms p50 in process.\n")
        mt = res.get("match", {}).get(name)
        if mt:
            L.append(f"`cvsearch match FILE` on {mt['queries']} long queries (200–800 words of held-out "
                     f"prose as the job description; cold process): p50 "
                     f"{fmt(mt['p50_ms'])} ms, p95 {fmt(mt['p95_ms'])} ms, p99 {fmt(mt['p99_ms'])} ms.\n")
        elif res.get("match_note") and name in ("sample", "gutenberg"):
            L.append(f"`cvsearch match`: not measured — {res['match_note']}.\n")
        jd = res.get("match_jd", {}).get(name)
        if jd:
            L.append(f"`cvsearch match FILE` on real job ads (cold process, page cache warm; "
                     f"`bench/jd/` and the dev ad), {r['cvsearch']['index']['docs']:,} stories:\n")
            L.append("| job description | words | p50 ms | p95 ms |\n|---|---:|---:|---:|")
            for fname, v in jd.items():
                L.append(f"| `{fname}` | {v['words']} | {fmt(v['p50_ms'])} | {fmt(v['p95_ms'])} |")
            L.append("")
        for png in r.get("plots", []):
            L.append(f"![{png}](plots/{png})")
        if r.get("plots"):
            L.append("")
        L.append("What this means: " + meaning(name, r) + "\n")

    scal = res.get("scaling")
    if scal:
        L.append("## Scaling: Gutenberg × ¼ … 4\n")
        L.append(res.get("scaling_note", "") + "\n")
        L.append("| scale | MB | engine | index s | MB/s | index MB | peak RSS MB | short p50 ms | short p99 ms | long p50 ms |")
        L.append("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
        for sname, r in sorted(scal.items(), key=lambda kv: kv[1]["scale"]):
            for e in ENGINES:
                ix = r[e]["index"]
                L.append(f"| {r['scale']:g}× | {ix['text_bytes'] / 1e6:.0f} | {e} | {fmt(ix['wall_s'])} | "
                         f"{fmt(ix['mb_per_s'])} | {fmt(ix['index_bytes'] / 1e6)} | {fmt(ix['peak_rss_kb'] / 1024)} | "
                         f"{fmt(get(r[e], 'short', 'p50_ms'))} | {fmt(get(r[e], 'short', 'p99_ms'))} | "
                         f"{fmt(get(r[e], 'long', 'p50_ms'))} |")
        L.append("")
        for png in res.get("scaling_plots", []):
            L.append(f"![{png}](plots/{png})")
        pts = sorted(scal.values(), key=lambda r: r["scale"])
        if len(pts) >= 2:
            lo, hi = pts[0], pts[-1]
            k = hi["scale"] / lo["scale"]
            parts = []
            for e in ENGINES:
                a, b = lo[e], hi[e]
                parts.append(f"{e}: index time ×{b['index']['wall_s'] / a['index']['wall_s']:.1f}, "
                             f"size ×{b['index']['index_bytes'] / a['index']['index_bytes']:.1f}, "
                             f"peak RSS ×{b['index']['peak_rss_kb'] / a['index']['peak_rss_kb']:.1f}, short p50 ×"
                             f"{(get(b, 'short', 'p50_ms') or 0) / (get(a, 'short', 'p50_ms') or 1):.1f}")
            L.append(f"\nWhat this means: from {lo['scale']:g}× to {hi['scale']:g}× the data (×{k:g}) — "
                     + "; ".join(parts) + ". Linear growth would be ×" + f"{k:g} for each.\n")
    L.append("\nMeasured by hand, outside this run (the freshness check of a large notes folder, "
             "updates by segments): `bench/RESULTS-by-hand.md`.")
    open(args.results, "w").write("\n".join(L) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--data", default=os.environ.get("BENCH_DATA") or "../shared/data")
    ap.add_argument("--out", default="bench/out")
    ap.add_argument("--bin", default="build/bench")
    ap.add_argument("--cvsearch", default="./cvsearch")
    ap.add_argument("--scales", default=None)
    ap.add_argument("--command", default=os.environ.get("BENCH_COMMAND", "python3 bench/run.py"))
    args = ap.parse_args()
    if args.scales is None:
        args.scales = "" if args.quick else "0.25,0.5,1,2,4"
    args.budget_short = 20 if args.quick else 120
    args.budget_long = 4 if args.quick else 120
    # the full run writes the committed bench/RESULTS.md; a quick one its own
    # copy under --out, so that a day-to-day check never overwrites it
    if args.quick:
        args.results, args.plots = f"{args.out}/RESULTS-quick.md", f"{args.out}/plots"
    else:
        args.results, args.plots = f"{HERE}/RESULTS.md", f"{HERE}/plots"
    os.makedirs(args.out, exist_ok=True)
    os.makedirs(args.plots, exist_ok=True)
    t_start = time.perf_counter()
    res = {"machine": machine(), "command": args.command, "corpora": {}, "skipped": [], "cold": {}, "match": {}}
    if not os.path.isdir(args.data):
        log(f"skip all shared collections: no data folder {args.data}")
        res["skipped"].append(f"no data folder `{args.data}`: Cranfield and Gutenberg not run")
    log("prepare documents and queries")
    prep = [sys.executable, f"{HERE}/prep.py", "--data", args.data, "--out", args.out,
            "--cvsearch", args.cvsearch, "--scales", ",".join(s for s in args.scales.split(",") if s and float(s) != 1)]
    if args.quick:
        prep.append("--quick")
    r = sh(prep)
    sys.stderr.write(r.stderr)
    if r.returncode != 0:
        sys.exit("bench: prep.py failed")
    res["manifest"] = json.loads(r.stdout)
    for line in r.stderr.splitlines():
        if line.startswith("prep: skip"):
            res["skipped"].append(line[len("prep: skip "):])
    for name in ("sample", "cranfield", "gutenberg", "technical"):
        tsv = f"{args.out}/{name}.tsv"
        if not os.path.exists(tsv) or name not in res["manifest"]:
            continue
        res["corpora"][name] = bench_corpus(args, name, tsv, f"{args.out}/{name}.short.tsv",
                                            f"{args.out}/{name}.long.tsv", args.budget_long)
        if name == "cranfield":
            log("cranfield: quality runs")
            cranfield(args, res)
        if name in ("sample", "gutenberg", "technical"):
            ix = f"{args.out}/{name}.cvs"
            log(f"{name}: cold cvsearch processes")
            res["cold"][name] = cold_process(args, ix, f"{args.out}/{name}.short.tsv", 20 if args.quick else 50)
            mt, note = match_bench(args, ix, f"{args.out}/{name}.long.tsv", 5 if args.quick else 10)
            if mt:
                res["match"][name] = mt
                jd = match_jd_bench(args, ix, 3 if args.quick else 10)
                if jd:
                    res.setdefault("match_jd", {})[name] = jd
            else:
                res["match_note"] = f"`cvsearch match FILE` is not available in this build ({note})"
        if name in ("gutenberg", "technical"):
            res["corpora"][name]["plots"] = [p for p in (plot_latency(args, name, res["corpora"][name], k)
                                                         for k in ("short", "long")) if p]
        for e in ENGINES:
            if name != "gutenberg":
                rm(f"{args.out}/{name}{EXT[e]}")
    scales = [float(s) for s in args.scales.split(",") if s]
    if scales and "gutenberg" in res["corpora"]:
        scal = {}
        for x in scales:
            sname = f"scale-{x:g}"
            if x == 1:
                r = res["corpora"]["gutenberg"]
            else:
                tsv = f"{args.out}/{sname}.tsv"
                if not os.path.exists(tsv):
                    continue
                r = bench_corpus(args, sname, tsv, f"{args.out}/gutenberg.short.tsv",
                                 f"{args.out}/gutenberg.long.tsv", args.budget_long / 2, n_long=10)
                for e in ENGINES:
                    rm(f"{args.out}/{sname}{EXT[e]}")
                os.unlink(tsv)
            scal[sname] = {"scale": x, **{e: r[e] for e in ENGINES}}
        res["scaling"] = scal
        res["scaling_note"] = (f"Scales run: {', '.join(f'{x:g}×' for x in scales)} of the Gutenberg sections "
                               "(¼ and ½ are prefixes; 2× and 4× repeat every section with distinct ids). "
                               "Each point indexes from scratch and times the same short queries and the first "
                               f"10 long queries (long budget {args.budget_long / 2:g} s per engine).")
        res["scaling_plots"] = plot_scaling(args, scal)
    for e in ENGINES:
        rm(f"{args.out}/gutenberg{EXT[e]}")
    res["seconds"] = time.perf_counter() - t_start
    json.dump(res, open(f"{args.out}/results.json", "w"), indent=1)
    report(args, res)
    log(f"wrote {os.path.relpath(args.results)} in {res['seconds']:.0f} s")


if __name__ == "__main__":
    main()
