#!/usr/bin/env python3
"""freshness.py -- the "Freshness check" figures of bench/RESULTS-by-hand.md (issue #10).

Writes a notes folder of N ~3 KB Markdown notes cut from the Gutenberg books
(DATA/gutenberg/*/*.txt), 92 to a folder, three levels deep, builds its
index, then times a fresh search (`cvsearch --corpus DIR kafka`: no hit, so
the time is the check, the index open and the query) against
`--no-update` (no check) and `find DIR -type f` (one stat per file), each
binary given in turn, runs interleaved (a shared machine's load hits all
alike). With --watch, each binary also searches an index of its own kept by
a `cvsearch watch` running beside it (the search asks the watcher instead
of stat'ing every note). Prints a Markdown table: median and min wall, mean
user and system time of the processes (getrusage; a watcher's own time is
not in it: it idles between changes).

  python3 bench/freshness.py --data DATA --notes 8000 [--watch] ./cvsearch [OLD-cvsearch ...]
"""
import argparse, glob, os, resource, shutil, statistics, subprocess, sys, tempfile, time


def make_notes(src, out, n):
    books = sorted(glob.glob(os.path.join(src, "gutenberg", "*", "*.txt")))
    if not books:
        sys.exit(f"freshness: no books under {src}/gutenberg")

    def chunks():
        while True:
            for b in books:
                t = open(b, encoding="utf-8", errors="replace").read()
                for i in range(0, len(t) - 3000, 3000):
                    yield os.path.basename(b)[:-4], t[i:i + 3000]
    g = chunks()
    for k in range(n):
        title, body = next(g)
        d = k // 92
        p = os.path.join(out, "y%02d" % (d // 20), "t%02d" % (d // 4 % 5), "f%03d" % d)
        os.makedirs(p, exist_ok=True)
        with open(os.path.join(p, "note%05d.md" % k), "w") as fh:
            fh.write("# %s %d\n\n%s\n" % (title, k, body))
    # folders and notes a minute old: nothing is racy
    t = time.time() - 60
    for root, dirs, files in os.walk(out):
        for f in files + dirs:
            os.utime(os.path.join(root, f), (t, t))
    os.utime(out, (t, t))


def timed(argv, env):
    a = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    w = time.perf_counter() - t
    b = resource.getrusage(resource.RUSAGE_CHILDREN)
    return w * 1e3, (b.ru_utime - a.ru_utime) * 1e3, (b.ru_stime - a.ru_stime) * 1e3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--notes", type=int, default=8000)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--watch", action="store_true", help="also time searches with `cvsearch watch` running")
    ap.add_argument("binaries", nargs="+")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="cvsearch-fresh-bench.")
    watchers = []
    try:
        notes = os.path.join(tmp, "notes")
        make_notes(args.data, notes, args.notes)
        cmds = []
        for i, b in enumerate(args.binaries):
            env = dict(os.environ, CVSEARCH_INDEX_DIR=os.path.join(tmp, "idx%d" % i), NO_COLOR="1")
            os.makedirs(env["CVSEARCH_INDEX_DIR"], mode=0o700)
            b = os.path.abspath(b)
            subprocess.run([b, "index", "--corpus", notes], stdout=subprocess.DEVNULL, check=True, env=env)
            ix = glob.glob(os.path.join(env["CVSEARCH_INDEX_DIR"], "*.cvx"))[0]
            cmds.append((f"`{os.path.basename(b)} --corpus DIR kafka`", [b, "--corpus", notes, "kafka"], env))
            cmds.append((f"`{os.path.basename(b)} --index IX --no-update kafka`",
                         [b, "--index", ix, "--no-update", "kafka"], env))
            if args.watch:
                wenv = dict(env, CVSEARCH_INDEX_DIR=os.path.join(tmp, "idx%dw" % i))
                os.makedirs(wenv["CVSEARCH_INDEX_DIR"], mode=0o700)
                watchers.append(subprocess.Popen([b, "watch", "-q", "--corpus", notes], env=wenv,
                                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
                for _ in range(600):  # its first build, then the socket
                    if subprocess.run([b, "watch", "status", "--corpus", notes], env=wenv,
                                      stdout=subprocess.DEVNULL).returncode == 0:
                        break
                    time.sleep(0.1)
                else:
                    sys.exit("freshness: the watcher did not start")
                cmds.append((f"`{os.path.basename(b)} --corpus DIR kafka`, `cvsearch watch` running",
                             [b, "--corpus", notes, "kafka"], wenv))
        cmds.append(("`find DIR -type f -printf %s%T@\\n`", ["find", notes, "-type", "f", "-printf", r"%s%T@\n"],
                     dict(os.environ)))
        res = {c[0]: [] for c in cmds}
        for r in range(args.runs + 3):
            for label, argv, env in cmds:
                x = timed(argv, env)
                if r >= 3:  # warm-up: page cache, the folder cache
                    res[label].append(x)
        print(f"{args.notes} notes, {args.runs} interleaved runs; load average {os.getloadavg()[0]:.1f}\n")
        print("| command | wall median (min) | user + sys (mean) |")
        print("|---|---|---|")
        for label, _, _ in cmds:
            x = res[label]
            print("| %s | %.1f ms (%.1f) | %.1f + %.1f ms |" % (
                label, statistics.median(a[0] for a in x), min(a[0] for a in x),
                statistics.mean(a[1] for a in x), statistics.mean(a[2] for a in x)))
    finally:
        for w in watchers:
            w.terminate()
            w.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
