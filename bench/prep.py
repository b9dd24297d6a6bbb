#!/usr/bin/env python3
"""prep.py -- make the documents and queries every engine's driver receives.

    python3 bench/prep.py --data DIR --out bench/out [--quick] [--cvsearch ./cvsearch]

Writes, per corpus, NAME.tsv (docid<TAB>text, tabs and newlines replaced by
spaces), NAME.short.tsv (1-3 word queries) and NAME.long.tsv (200-800 word
queries), qid<TAB>text. Corpora:
  sample     the notes in corpus/, one document per cvsearch story (title + lines)
  cranfield  DATA/cranfield/derived (docs, topics, qrels; copied)
  gutenberg  DATA/gutenberg books minus the Project Gutenberg header/footer, split
             into sections of 3 paragraphs; every 25th book is held out and only
             feeds the long queries (so they are unseen text, like a job ad)
  scale-X    X in 0.25, 0.5, 1, 2, 4: a prefix of gutenberg, or repetitions with
             distinct ids (docid#r2 ...)
A collection missing from DATA is skipped with one line. Stdlib only; seeded,
so reruns give the same files. Prints a JSON manifest to stdout.
"""
import argparse
import glob
import json
import os
import random
import re
import subprocess
import sys

WORD = re.compile(r"[A-Za-z][a-z]{3,}")
COMMON = set("""that with have this from they were their there which would what when your
about been said will them then could into more some than only other such very
upon must made like time well also before after should these those here just shall
what where while being again over down even every much most many never might""".split())


def clean(s):
    return " ".join(s.replace("\t", " ").replace("\r", " ").split())


def write_tsv(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for i, t in rows:
            f.write(f"{i}\t{clean(t)}\n")


def gutenberg_body(text):
    s = re.search(r"^\*\*\* ?START OF.*$", text, re.M)
    e = re.search(r"^\*\*\* ?END OF.*$", text, re.M)
    return text[s.end() if s else 0:e.start() if e else len(text)]


def paragraphs(text):
    return [p for p in (clean(x) for x in re.split(r"\n\s*\n", text)) if p]


def short_queries(rng, docs, n):
    out = []
    while len(out) < n:
        words = [w.lower() for w in WORD.findall(rng.choice(docs)[1])]
        words = [w for w in words if w not in COMMON]
        if not words:
            continue
        k = rng.choice((1, 2, 3))
        start = rng.randrange(len(words))
        out.append(" ".join(words[start:start + k]))
    return out


def long_queries(rng, paras, n):
    """Consecutive paragraphs of held-out text, 200-800 words."""
    out = []
    while len(out) < n and paras:
        target = rng.randint(200, 800)
        i = rng.randrange(len(paras))
        words = []
        while len(words) < target and i < len(paras):
            words += paras[i].split()
            i += 1
        if len(words) >= 200:
            out.append(" ".join(words[:800]))
    return out


def write_queries(path, qs):
    write_tsv(path, [(i + 1, q) for i, q in enumerate(qs)])


def prep_sample(args, man):
    stories = json.loads(subprocess.run(
        [args.cvsearch, "--corpus", "corpus", "--json", "stories"], check=True,
        capture_output=True, text=True, env={**os.environ, "CVSEARCH_INDEX_DIR": args.out + "/cache"}).stdout)
    cache, rows = {}, []
    for s in stories:
        p = s["path"]
        if p not in cache:
            cache[p] = open(p, encoding="utf-8", errors="replace").read().splitlines()
        body = " ".join(cache[p][s["line_start"] - 1:s["line_end"]])
        rows.append((f"s{s['id']}", s["title"] + " " + body))
    write_tsv(f"{args.out}/sample.tsv", rows)
    q = json.load(open(f"{args.data}/../eval/dev-queries.json")) if os.path.exists(
        f"{args.data}/../eval/dev-queries.json") else {"queries": []}
    short = [x.get("text") or x.get("query") for x in q["queries"] if x.get("kind") == "short"]
    short = [s for s in short if s]
    if not short:
        short = [r[1].split()[0] for r in rows[:10]]
    write_queries(f"{args.out}/sample.short.tsv", short)
    jd = f"{args.data}/../eval/dev-jd1-platform-tooling.txt"
    longq = [open(jd, encoding="utf-8").read()] if os.path.exists(jd) else []
    # Job-description length from the notes themselves: 200-800 words of other stories.
    rng = random.Random(7)
    longq += long_queries(rng, [r[1] for r in rows], 9)
    write_queries(f"{args.out}/sample.long.tsv", longq)
    man["sample"] = {"docs": len(rows), "short": len(short), "long": len(longq)}


def prep_cranfield(args, man):
    d = f"{args.data}/cranfield/derived"
    if not os.path.exists(f"{d}/docs.tsv"):
        print(f"prep: skip cranfield: no {d}/docs.tsv", file=sys.stderr)
        return
    for name in ("docs.tsv", "topics.tsv", "qrels.trec"):
        with open(f"{d}/{name}", encoding="utf-8") as f, open(f"{args.out}/cranfield.{name}", "w") as g:
            g.write(f.read())
    rows = [l.rstrip("\n").split("\t", 1) for l in open(f"{d}/docs.tsv", encoding="utf-8")]
    write_tsv(f"{args.out}/cranfield.tsv", rows)
    topics = [l.rstrip("\n").split("\t", 1)[1] for l in open(f"{d}/topics.tsv", encoding="utf-8")]
    write_queries(f"{args.out}/cranfield.short.tsv", short_queries(random.Random(3), rows, 100))
    # Cranfield topics are 5-40 words: the long set is made of 200-800 words of abstracts.
    write_queries(f"{args.out}/cranfield.long.tsv",
                  long_queries(random.Random(4), [r[1] for r in rows if len(r) > 1], 20))
    man["cranfield"] = {"docs": len(rows), "topics": len(topics)}


def prep_gutenberg(args, man):
    books = sorted(glob.glob(f"{args.data}/gutenberg/*/*.txt"))
    if not books:
        print(f"prep: skip gutenberg: no books under {args.data}/gutenberg", file=sys.stderr)
        return
    if args.quick:
        books = books[::10]
    docs, held = [], []
    for b, path in enumerate(books):
        paras = paragraphs(gutenberg_body(open(path, encoding="utf-8", errors="replace").read()))
        if b % 25 == 24:
            held += paras
            continue
        for s in range(0, len(paras), 3):
            docs.append((f"g{b}.{s // 3}", " ".join(paras[s:s + 3])))
    write_tsv(f"{args.out}/gutenberg.tsv", docs)
    rng = random.Random(11)
    short = short_queries(rng, docs, 100 if args.quick else 300)
    longq = long_queries(rng, held or [d[1] for d in docs], 10 if args.quick else 40)
    write_queries(f"{args.out}/gutenberg.short.tsv", short)
    write_queries(f"{args.out}/gutenberg.long.tsv", longq)
    nbytes = sum(len(d[1].encode()) for d in docs)
    man["gutenberg"] = {"books": len(books), "held_out_books": len(books[24::25]),
                        "docs": len(docs), "text_bytes": nbytes,
                        "short": len(short), "long": len(longq)}
    scales = {}
    for x in args.scales:
        name = f"scale-{x:g}"
        with open(f"{args.out}/{name}.tsv", "w", encoding="utf-8") as f:
            if x < 1:
                for i, t in docs[:int(len(docs) * x)]:
                    f.write(f"{i}\t{t}\n")
            else:
                for r in range(int(x)):
                    suffix = f"#r{r + 1}" if r else ""
                    for i, t in docs:
                        f.write(f"{i}{suffix}\t{t}\n")
        scales[name] = x
    man["scales"] = scales


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--cvsearch", default="./cvsearch")
    ap.add_argument("--scales", default="0.25,0.5,1,2,4")
    args = ap.parse_args()
    args.scales = [float(x) for x in args.scales.split(",") if x]
    os.makedirs(args.out, exist_ok=True)
    man = {}
    prep_sample(args, man)
    prep_cranfield(args, man)
    prep_gutenberg(args, man)
    json.dump(man, open(f"{args.out}/manifest.json", "w"), indent=1)
    print(json.dumps(man))


if __name__ == "__main__":
    main()
