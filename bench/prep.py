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
  technical  what this machine has installed: the English man pages of
             /usr/share/man/man[1-9] (troff stripped to text, one document per
             .SH section) and the text files of /usr/share/doc (changelogs, NEWS,
             READMEs, gzipped or not; copyright files left out), split into
             documents of about 2 KB at paragraph ends; identifiers, versions,
             options and file names that Gutenberg's prose lacks. Every 25th
             source file is held out for the long queries (300 and 800 words);
             short queries are 1-3 tokens drawn from the documents, identifiers
             included. Capped at --tech-mb MB of text (quick: 10).
A collection missing from DATA is skipped with one line. Stdlib only; seeded,
so reruns give the same files. Prints a JSON manifest to stdout.
"""
import argparse
import glob
import gzip
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


# ---- technical text: man pages and package docs ------------------------------------

ROFF_FONT = re.compile(r"\\f(\(..|\[[^]]*\]|.)")
ROFF_ESC = re.compile(r"\\([hvwlLoDXbxZRNAB]'[^']*'|\(..|\[[^]]*\]|\*(\(..|\[[^]]*\]|.)|n(\(..|\[[^]]*\]|.)|[sS][-+]?\d+|[&|^/,:%]|.)")
ROFF_CHARS = {"-": "-", "e": "\\", "(em": "-", "(en": "-", "(aq": "'", "(dq": '"', "(bu": "*",
              "(co": "(c)", "(lq": '"', "(rq": '"', "(oq": "'", "(cq": "'", "(ti": "~", "(ha": "^",
              "~": " ", " ": " ", "0": " ", "(mi": "-", "(pl": "+", "(>=": ">=", "(<=": "<="}
ROFF_TEXT_MACROS = set("B I R BR BI IB IR RB RI SM SB TP IP HP SS SH Nm Nd Fn Fa Fl Ar Op Xr Pa Dv Er Ev "
                       "Va Ft Sy Em Li Cm Ic It Dl D1 Ql Dq Sq Pq Qq Tn Nx Bx Ox Fx UR MT".split())


def roff_text(line):
    def esc(m):
        k = m.group(1)
        if k[:1] in "*nhvwlLoDXbxZRNAB" and len(k) > 1 or k[:1] in "sS" and len(k) > 1:
            return ""
        return ROFF_CHARS.get(k, "" if len(k) == 1 and k in "&|^/,:%" else " ")
    return ROFF_ESC.sub(esc, ROFF_FONT.sub("", line))


def man_sections(src):
    """[(heading, text)] of a troff man page: one per .SH/.Sh, macros stripped."""
    secs, head, buf, in_def = [], "", [], False
    for line in src.splitlines():
        if in_def:  # a macro definition (.de NAME ... ..) is no text
            in_def = not line.startswith("..")
            continue
        if line.startswith((".de", ".am", ".ig")):
            in_def = True
            continue
        if line.startswith((".\\\"", "'\\\"", '.\\"')):
            continue
        if line.startswith((".", "'")):
            parts = line[1:].strip().split(None, 1)
            if not parts:
                continue
            mac, arg = parts[0], parts[1] if len(parts) > 1 else ""
            arg = roff_text(arg.replace('"', ""))
            if mac in ("SH", "Sh"):
                if buf:
                    secs.append((head, " ".join(buf)))
                head, buf = arg, []
            elif mac in ROFF_TEXT_MACROS and arg:
                buf.append(arg)
            continue
        buf.append(roff_text(line))
    if buf:
        secs.append((head, " ".join(buf)))
    return secs


def doc_chunks(text, size=2000):
    """Paragraph groups of about size bytes."""
    out, cur, n = [], [], 0
    for p in paragraphs(text):
        cur.append(p)
        n += len(p)
        if n >= size:
            out.append(" ".join(cur))
            cur, n = [], 0
    if cur:
        out.append(" ".join(cur))
    return out


TECH_DOC_SKIP = re.compile(r"(^copyright$|\.(png|gif|jpe?g|svg|ico|pdf|ps|eps|dvi|bz2|xz|zst|z|tgz|zip|jar|"
                           r"class|so|a|o|pyc|mo|gmo|bin|dat|db|woff2?|ttf|otf)$)", re.I)


def tech_sources():
    """(kind, path) of every man page and doc text file, sorted; symlinks skipped."""
    srcs = []
    for d in sorted(glob.glob("/usr/share/man/man[1-9]*")):
        for root, _, files in os.walk(d):
            srcs += [("man", os.path.join(root, f)) for f in files]
    for root, _, files in os.walk("/usr/share/doc"):
        srcs += [("doc", os.path.join(root, f)) for f in files if not TECH_DOC_SKIP.search(f)]
    return sorted((k, p) for k, p in srcs if not os.path.islink(p))


def read_source(path):
    try:
        raw = gzip.open(path).read() if path.endswith(".gz") else open(path, "rb").read(4 << 20)
    except (OSError, EOFError, gzip.BadGzipFile):
        return None
    if b"\0" in raw[:4096]:
        return None
    return raw.decode("utf-8", errors="replace")


def prep_technical(args, man):
    srcs = tech_sources()
    if len(srcs) < 100:
        print("prep: skip technical: fewer than 100 man pages and doc files installed "
              "(make bench-deps installs manpages and manpages-dev)", file=sys.stderr)
        return
    # a fixed, spread-out order: the cap takes a bit of every package, not the first letters
    random.Random(13).shuffle(srcs)
    cap = (10 if args.quick else args.tech_mb) * 1_000_000
    docs, held, nbytes, n_man, n_doc = [], [], 0, 0, 0
    for f, (kind, path) in enumerate(srcs):
        if nbytes >= cap:
            break
        src = read_source(path)
        if not src:
            continue
        name = os.path.basename(path)
        if kind == "man":
            chunks = [clean(h + " " + t) for h, t in man_sections(src)]
        else:
            chunks = doc_chunks(src)
        chunks = [c for c in chunks if len(c) > 20]
        if not chunks:
            continue
        if f % 25 == 24:
            held += chunks
            continue
        n_man += kind == "man"
        n_doc += kind == "doc"
        for i, c in enumerate(chunks):
            if nbytes >= cap:
                break
            docs.append((f"{kind[0]}{f}.{i}:{name}", c))
            nbytes += len(c.encode())
    write_tsv(f"{args.out}/technical.tsv", docs)
    rng = random.Random(17)
    short = short_tech_queries(rng, docs, 100 if args.quick else 300)
    n_long = 10 if args.quick else 30
    write_queries(f"{args.out}/technical.short.tsv", short)
    write_queries(f"{args.out}/technical.long.tsv", fixed_queries(rng, held, n_long, 300))
    write_queries(f"{args.out}/technical.long800.tsv", fixed_queries(rng, held, n_long, 800))
    man["technical"] = {"man_pages": n_man, "doc_files": n_doc, "docs": len(docs), "text_bytes": nbytes,
                        "short": len(short), "long": n_long, "long800": n_long,
                        "cap_mb": cap // 1_000_000}


TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9_.:-]*[A-Za-z0-9]")


def short_tech_queries(rng, docs, n):
    """1-3 consecutive tokens of a document: words, identifiers, option and file names."""
    out = []
    while len(out) < n:
        toks = TOKEN.findall(rng.choice(docs)[1])
        if not toks:
            continue
        k = rng.choice((1, 2, 3))
        start = rng.randrange(len(toks))
        out.append(" ".join(toks[start:start + k]))
    return out


def fixed_queries(rng, paras, n, words):
    """n queries of exactly `words` words of consecutive held-out paragraphs."""
    out = []
    tries = 0
    while len(out) < n and paras and tries < 100 * n:
        tries += 1
        i = rng.randrange(len(paras))
        ws = []
        while len(ws) < words and i < len(paras):
            ws += paras[i].split()
            i += 1
        if len(ws) >= words:
            out.append(" ".join(ws[:words]))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--cvsearch", default="./cvsearch")
    ap.add_argument("--scales", default="0.25,0.5,1,2,4")
    ap.add_argument("--tech-mb", type=int, default=100, help="cap of the technical corpus, MB of text")
    args = ap.parse_args()
    args.scales = [float(x) for x in args.scales.split(",") if x]
    os.makedirs(args.out, exist_ok=True)
    man = {}
    prep_sample(args, man)
    prep_cranfield(args, man)
    prep_gutenberg(args, man)
    prep_technical(args, man)
    json.dump(man, open(f"{args.out}/manifest.json", "w"), indent=1)
    print(json.dumps(man))


if __name__ == "__main__":
    main()
