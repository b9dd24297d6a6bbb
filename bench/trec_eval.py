#!/usr/bin/env python3
"""trec_eval.py -- the one evaluator every engine's TREC run goes through.

    python3 bench/trec_eval.py QRELS RUN [--json] [--per-query]

QRELS: "qid iter docid gain" lines (gain > 0 is relevant; graded gains feed
nDCG). RUN: "qid Q0 docid rank score tag" lines. Conventions follow NIST
trec_eval: a run is re-sorted by score (descending; ties broken by docid,
descending), nDCG uses linear gains g / log2(rank + 1) over the ideal
ordering of all judged documents, and the means are taken over every query
of QRELS that has a relevant document (a query the run lacks scores 0).

Metrics: nDCG@10, MAP (average precision over all relevant documents),
P@10, R@100, MRR (reciprocal rank of the first relevant document).
"""
import json
import math
import sys
from collections import defaultdict

METRICS = ("ndcg@10", "map", "p@10", "r@100", "mrr")


def read_qrels(path):
    q = defaultdict(dict)
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            p = line.split()
            if not p:
                continue
            if len(p) != 4:
                sys.exit(f"trec_eval: {path}:{n}: want 'qid iter docid gain'")
            q[p[0]][p[2]] = float(p[3])
    return q


def read_run(path):
    r = defaultdict(list)
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            p = line.split()
            if not p:
                continue
            if len(p) != 6:
                sys.exit(f"trec_eval: {path}:{n}: want 'qid Q0 docid rank score tag'")
            r[p[0]].append((float(p[4]), p[2]))
    out = {}
    for qid, hits in r.items():
        hits.sort(key=lambda h: (h[0], h[1]), reverse=True)
        seen, ranked = set(), []
        for _, d in hits:
            if d not in seen:
                seen.add(d)
                ranked.append(d)
        out[qid] = ranked
    return out


def evaluate_query(judged, ranked):
    rel = {d for d, g in judged.items() if g > 0}
    m = dict.fromkeys(METRICS, 0.0)
    if not rel:
        return None
    hits, ap = 0, 0.0
    for i, d in enumerate(ranked, 1):
        if d in rel:
            hits += 1
            ap += hits / i
            if m["mrr"] == 0.0:
                m["mrr"] = 1.0 / i
        if i == 10:
            m["p@10"] = hits / 10
        if i == 100:
            m["r@100"] = hits / len(rel)
    if len(ranked) < 10:
        m["p@10"] = hits / 10
    if len(ranked) < 100:
        m["r@100"] = hits / len(rel)
    m["map"] = ap / len(rel)
    dcg = sum(judged.get(d, 0.0) / math.log2(i + 1)
              for i, d in enumerate(ranked[:10], 1) if judged.get(d, 0.0) > 0)
    ideal = sorted((g for g in judged.values() if g > 0), reverse=True)[:10]
    idcg = sum(g / math.log2(i + 1) for i, g in enumerate(ideal, 1))
    m["ndcg@10"] = dcg / idcg if idcg > 0 else 0.0
    return m


def evaluate(qrels, run):
    per = {}
    for qid in sorted(qrels, key=lambda s: (len(s), s)):
        m = evaluate_query(qrels[qid], run.get(qid, []))
        if m is not None:
            per[qid] = m
    n = len(per)
    mean = {k: (sum(m[k] for m in per.values()) / n if n else 0.0) for k in METRICS}
    return mean, per, n


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    if len(args) != 2:
        sys.exit(__doc__.strip().splitlines()[2])
    mean, per, n = evaluate(read_qrels(args[0]), read_run(args[1]))
    if "--json" in argv:
        d = {"queries": n, **mean}
        if "--per-query" in argv:
            d["per_query"] = per
        print(json.dumps(d, indent=1))
        return
    if "--per-query" in argv:
        for qid, m in per.items():
            print(qid, " ".join(f"{k}={m[k]:.4f}" for k in METRICS))
    print(f"queries {n}")
    for k in METRICS:
        print(f"{k:8s} {mean[k]:.4f}")


if __name__ == "__main__":
    main(sys.argv)
