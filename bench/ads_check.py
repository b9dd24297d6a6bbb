#!/usr/bin/env python3
"""
bench/ads_check.py -- robustness check of `cvsearch match` on real job ads.

Runs `cvsearch match --coverage --json` on every *.txt ad of a folder, in the
forms users paste them:
  asis       the file as it is (an ad stored as one line stays one line);
  spaced     its lines joined with a blank (a paste that lost its breaks);
  glued      its lines joined with nothing (web page text copied without the
             breaks between block elements: "Requirements5+ years");
(spaced and glued only for ads of more than one line), and checks per ad:
  exit0      cvsearch exits 0;
  reqs       at least one requirement is found;
  no_bp      no requirement is recruiter, apply, legal, visa, EEO, benefits or
             salary text (this script's own cue list, below; not the engine's);
  skills     a "Skills:" list ("Minimum Required Skills:", "Must have skills:",
             "Required Skills:") keeps four fifths of its items among the
             requirements;
  strong     no requirement is labelled strong on common words only, nor on
             one word when it has four words or more besides common ones;
  kept       at least half of the ad's words outside boilerplate sentences are
             in some requirement (the issue's "lose half their words");
  long       (multi-line ads) each line of 12 words or more that is no
             boilerplate and not under a boilerplate heading keeps 70% of its
             words in the requirements.
The ads themselves are not in the repository (their licences vary): collect
them in a folder under /tmp and point this script at it.

usage: bench/ads_check.py [--cvsearch ./cvsearch] [--corpus corpus]
                          [--forms asis,spaced,glued] [-v] ADS_DIR
"""
import argparse
import html
import json
import os
import re
import subprocess
import sys
import tempfile

# Boilerplate cues of this check (independent of libindex/src/match.c's lists).
BP = re.compile(r"""
    authori[sz]ed\ to\ work | work\ authori[sz]ation | eligib\w*\ to\ work | employment\ eligibility
  | right\ to\ work | \bvisas?\b | sponsorship | sponsor\ (a\ |any\ )?(visa|h-?1|work|employment)
  | \bh-?1-?b?\b | green\ card | citizenship | u\.?s\.?\ citizens?
  | equal\ (employment\ )?opportunity | affirmative\ action | \beeo\b | \beoe\b | without\ regard
  | veteran\ status | national\ origin | sexual\ orientation | gender\ identity | reasonable\ accommodation
  | \bapply\ (today|now|directly|online|here|below|via|through|at\ |for\ this) | to\ apply | or\ apply
  | interested\ in\ applying | application\ process | applicants?\ (who|will|must\ be|are\ encouraged)
  | qualified\ applicants | click\ here | click\ the\ link | \bresumes?\b | cover\ letter
  | recruiters? | recruiting\ (team|tips|professionals|process|agency) | staffing | talent\ network
  | corp\ to\ corp | \bc2c\b | \bw-?2\b
  | 401\(?k | \bdental\b | paid\ time\ off | \bpto\b | health\ insurance | medical\ insurance | \bsalary\b
  | \$\s?\d | per\ hour | per\ annum | copyright | all\ rights\ reserved | e-verify | background\ (checks?|investigation|screens?)
  | drug\ (screen|test) | compensation\ package
  | benefits?\ (package|include|including|plan|covered) | benefits?: | (full|great|excellent|competitive
  | comprehensive|generous|outstanding|medical)\ benefits? | array\ of\ benefits | please\ (email|call|contact|send|reply)
  | \b\d{3}[-.)\s]\s?\d{3}[-.\s]\d{4}\b | [\w.]+@[\w-]+\.\w+ | https?:// | www\.
""", re.I | re.X)

BP_HEADING = re.compile(r"^\W*(about\b|who we are|benefits|perks|what we offer|why\b|our culture|culture|"
                        r"equal|eeo|how to apply|apply|compensation|salary|pay\b|life at|diversity|"
                        r"what's in it|what’s in it|top reasons|additional information|disclaimer|"
                        r"conditions of employment|how you.ll grow)", re.I)

SKILLS_LABEL = re.compile(r"(minimum required skills|required skills|must have skills|must-have skills|"
                          r"key skills|technical skills|skills required|primary skills|mandatory skills)\s*:", re.I)

# Everyday words: a strong label needs more than these.
COMMON = set("""
a about above after again all also an and any are as at be been before being below between both but by can
could did do does doing down during each few for from further had has have having here how if in into is it
its just more most must no nor not now of off on once only or other our out over own same should so some such
than that the their them then there these they this those through to too under until up us very was we were
what when where which while who why will with would you your work working team teams year years experience
experienced new make made good great strong ability able well use using used one two three first time day
part get help need needs based across within including include etc per like take best high level required
preferred plus knowledge understanding skills skill role position job company people business
""".split())

WORD = re.compile(r"[A-Za-z][A-Za-z0-9+#.-]*[A-Za-z0-9+#]|[A-Za-z]")


def words(s):
    # split glue points the same way in the ad and in the requirements ("systems2+", "roadmapWork")
    s = re.sub(r"(?<=[a-z])(?=[A-Z0-9])|(?<=[.!?:;,])(?=[A-Za-z])", " ", s)
    return [w.lower() for w in WORD.findall(s)]


def shown(text):
    """The text an ad with HTML shows (what the checks read; cvsearch gets the ad as pasted)."""
    if not re.search(r"</?(p|br|li|ul|div|a|span|strong|b|i|em)\b[^>]*>|&#?\w+;", text):
        return text
    text = re.sub(r"<li\b[^>]*>", "\n- ", text, flags=re.I)
    text = re.sub(r"</?(p|br|div|ul|ol|h\d|tr|table)\b[^>]*>", "\n", text, flags=re.I)
    text = re.sub(r"</?\w+\b[^>]*>", "", text)
    return html.unescape(text)


def sentences(text):
    """Sentences and bullet items of an ad (for the 'kept' and 'no_bp' oracles)."""
    parts = re.split(r"(?<=[.!?])\s+|\s[•*·]\s|\n+|•", text)
    return [p.strip() for p in parts if p and p.strip()]


def skill_items(text):
    """Items of each 'Skills:' list: comma- or slash-separated short names after the label."""
    lists = []
    for m in SKILLS_LABEL.finditer(text):
        rest = text[m.end():m.end() + 300]
        # the list ends at a sentence end, a line break or a glued capitalized word
        rest = re.split(r"\n|\.\s|(?<=[a-z])(?=[A-Z][a-z])", rest)[0]
        items = []
        for seg in re.split(r",|;|\band\b", rest):
            seg = seg.strip(" -*•")
            if not seg:
                continue
            if len(seg.split()) > 5:
                break
            items.append(seg)
        if len(items) >= 2:
            lists.append(items)
    return lists


def run_match(cvs, corpus, text, env):
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as f:
        f.write(text)
        path = f.name
    try:
        p = subprocess.run([cvs, "match", "-q", "-c", corpus, "--coverage", "--json", path],
                           capture_output=True, env=env, timeout=120)
    finally:
        os.unlink(path)
    doc = None
    if p.returncode == 0:
        try:
            doc = json.loads(p.stdout.decode("utf-8"))
        except ValueError:
            doc = None
    return p.returncode, doc, p.stderr.decode("utf-8", "replace").strip()


def check(text, multiline, rc, doc):
    """Failures of one run: {check: [detail, ...]}."""
    fails = {}

    def fail(name, detail):
        fails.setdefault(name, []).append(detail)

    if rc != 0 or doc is None:
        fail("exit0", "exit %d" % rc)
        return fails
    cov = doc.get("match", {}).get("coverage", {})
    reqs = cov.get("requirements", [])
    if not reqs:
        fail("reqs", "no requirement")
        return fails
    req_words = set()
    for r in reqs:
        req_words.update(words(r["text"]))
        if BP.search(r["text"]):
            fail("no_bp", r["text"][:160])
        if r["label"] == "strong":
            n_words = len(set(w for w in words(r["text"]) if w not in COMMON))
            matched = [w.lower() for w in r.get("matched", [])]
            rare = [w for w in matched if w not in COMMON]
            if (len(matched) < 2 and n_words >= 4) or not rare:
                fail("strong", "%s <- %s" % (r["text"][:100], matched))
    for items in skill_items(text):
        lost = [i for i in items if not set(words(i)) <= req_words]
        if len(lost) * 5 > len(items):  # more than a fifth lost
            fail("skills", "lost %s of %s" % (lost, items))
    total = kept = 0
    for s in sentences(text):
        if BP.search(s):
            continue
        w = words(s)
        total += len(w)
        kept += sum(1 for x in w if x in req_words)
    if total and kept * 2 < total:
        fail("kept", "%d of %d words" % (kept, total))
    if multiline:
        bp_section = False
        for line in text.split("\n"):
            body = line.strip().lstrip("-*•·–").strip()
            w = words(body)
            if not w:
                continue
            if len(w) <= 6 and not re.search(r"[.!?]$", body):
                bp_section = bool(BP_HEADING.match(body))
                continue
            if len(w) < 12 or bp_section or BP.search(body):
                continue
            got = sum(1 for x in w if x in req_words)
            if got * 10 < len(w) * 7:
                fail("long", "%d/%d: %s" % (got, len(w), body[:120]))
    return fails


CHECKS = ["exit0", "reqs", "no_bp", "skills", "strong", "kept", "long"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cvsearch", default="./cvsearch")
    ap.add_argument("--corpus", default="corpus")
    ap.add_argument("--forms", default="asis,spaced,glued")
    ap.add_argument("-v", "--verbose", action="store_true", help="print each failure")
    ap.add_argument("--json", help="write per-ad results to this file")
    ap.add_argument("ads")
    a = ap.parse_args()
    env = dict(os.environ)
    env.setdefault("CVSEARCH_INDEX_DIR", tempfile.mkdtemp(prefix="cvs-ads-idx-"))
    env["NO_COLOR"] = "1"
    files = sorted(f for f in os.listdir(a.ads) if f.endswith(".txt"))
    if not files:
        sys.exit("no *.txt ads in %s" % a.ads)
    forms = a.forms.split(",")
    table = {f: {c: 0 for c in CHECKS} for f in forms}
    runs = {f: 0 for f in forms}
    clean = {f: 0 for f in forms}
    out = []
    for name in files:
        with open(os.path.join(a.ads, name), encoding="utf-8", errors="replace") as fh:
            raw = fh.read().strip("\n")
        multiline = "\n" in raw.strip()
        for form in forms:
            if form == "asis":
                text = raw
            elif not multiline:
                continue
            elif form == "spaced":
                text = re.sub(r"\s*\n\s*", " ", raw)
            elif form == "glued":
                text = re.sub(r"[ \t]*\n\s*", "", raw)
            else:
                sys.exit("unknown form %s" % form)
            rc, doc, err = run_match(a.cvsearch, a.corpus, text, env)
            fails = check(shown(raw), multiline and form == "asis", rc, doc)
            runs[form] += 1
            clean[form] += not fails
            for c in fails:
                table[form][c] += 1
            out.append({"ad": name, "form": form, "fails": fails, "stderr": err if rc else ""})
            if a.verbose and fails:
                for c, ds in fails.items():
                    for d in ds[:4]:
                        print("%-28s %-6s %-7s %s" % (name[:28], form, c, d))
                if rc:
                    print("%-28s %-6s stderr  %s" % (name[:28], form, err[:200]))
    print("ads: %d (%d multi-line)" % (len(files), runs.get("spaced", 0)))
    print("%-7s %5s %5s " % ("form", "runs", "clean") + " ".join("%6s" % c for c in CHECKS))
    for f in forms:
        print("%-7s %5d %5d " % (f, runs[f], clean[f]) + " ".join("%6d" % table[f][c] for c in CHECKS))
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()
