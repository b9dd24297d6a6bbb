#!/bin/sh
# tests/cli/match.sh -- end-to-end tests of `cvsearch match` on the sample
# corpus: file, stdin and '-', --json, --coverage, --pick, --explain, the
# user alias file and every bad input. Each check prints "ok" or "FAIL";
# the closing line is "N passed, N failed". Needs: CVSEARCH, python3.
set -u
. "$(dirname "$0")/lib/common.sh"
TMP=$(mktemp -d /tmp/cvsearch-match.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
export CVSEARCH_INDEX_DIR="$TMP/cache"
export NO_COLOR=1
export XDG_CONFIG_HOME="$TMP/config"
unset CVSEARCH_CORPUS CVSEARCH_ALIASES

C="$TMP/notes"
cp -R corpus "$C"
JD="$TMP/jd.md"
cat >"$JD" <<'JDEOF'
## Backend Engineer, API Platform

**About us**
Acme is a leading fintech company headquartered in Austin.

**What you'll do**
* Operate our API gateway (Kong), including custom plugins and rate limiting
* Improve reliability: circuit breakers, retries, timeouts
* Lead incident response and on-call rotations; write runbooks and postmortems

**You have**
1. Experience with Kafka or other event streaming platforms
2. PostgreSQL and Redis caching
3. Quantum chromodynamics research

**Benefits**
• Dental, 401(k) and a learning stipend
We are an equal opportunity employer.
JDEOF

# --- file, human output ---------------------------------------------------
run "$BIN" --corpus "$C" match "$JD"
expect_rc 0 "match FILE finds stories"
first=$(printf '%s\n' "$out" | head -1)
case $first in " 1. "*) ok "results are ranked from 1" ;; *) bad "results are ranked from 1" "$first" ;; esac
contains "coverage:" "default output ends with a coverage summary"
contains "of 6 requirements" "six requirements (boilerplate and headings left out)"
contains "matching stories" "the hit count"
lacks "Dental" "benefits are not shown as requirements"

# --- stdin and '-' ------------------------------------------------------------
run sh -c "\"$BIN\" --corpus \"$C\" match < \"$JD\""
expect_rc 0 "match reads piped stdin"
stdin_out=$out
run sh -c "\"$BIN\" --corpus \"$C\" match - < \"$JD\""
expect_rc 0 "match - reads stdin"
[ "$out" = "$stdin_out" ] && ok "stdin and - agree" || bad "stdin and - agree"
if command -v script >/dev/null 2>&1; then
	script -qec "\"$BIN\" --corpus \"$C\" match" /dev/null </dev/null >"$TMP/tty" 2>&1
	case $(cat "$TMP/tty") in *usage*) ok "a terminal on stdin prints usage" ;;
	*) bad "a terminal on stdin prints usage" "$(cat "$TMP/tty")" ;; esac
fi

# --- JSON -------------------------------------------------------------------------
run "$BIN" --corpus "$C" --json --limit 5 match --coverage --pick 2 "$JD"
expect_rc 0 "json match exits 0"
printf '%s' "$out" | python3 -c '
import json,sys
d=json.load(sys.stdin)
r=d["results"]
assert 1 <= len(r) <= 5, r
for x in r:
    for k in ("path","line_start","line_end","title","score","snippet"):
        assert k in x, k
m=d["match"]
assert m["terms"] and all("weight" in t and "term" in t for t in m["terms"])
c=m["coverage"]
assert c["requirements_total"] == 6, c["requirements_total"]
reqs=c["requirements"]
assert [q["label"] in ("strong","weak","none") for q in reqs]
kong=[q for q in reqs if "Kong" in q["text"]][0]
assert kong["label"] in ("strong", "weak"), kong
assert "kong" in kong["matched"] and kong["story"]["location"] and kong["evidence"]
qcd=[q for q in reqs if "Quantum" in q["text"]][0]
assert qcd["label"] == "none" and "quantum" in qcd["missing"], qcd
assert any("Quantum" in u for u in c["uncovered"])
assert 0 < c["share"] < 1
p=m["pick"]
assert 1 <= len(p) <= 2 and all(x["covers"] for x in p), p
# nested objects must not look like ranked results to tools that collect them
def walk(o, top):
    if isinstance(o, dict):
        if not top and {"path","line_start","line_end"} <= o.keys():
            raise SystemExit("coverage object looks like a result: %r" % o)
        for v in o.values(): walk(v, False)
    elif isinstance(o, list):
        for v in o: walk(v, False)
walk(m, False)
' 2>"$TMP/pyerr" && ok "json has results, terms, coverage and pick" || bad "json match fields" "$(cat "$TMP/pyerr")"

run "$BIN" --corpus "$C" --json match "$JD"
printf '%s' "$out" | python3 -c '
import json,sys
d=json.load(sys.stdin)
assert "coverage" not in d["match"] and "pick" not in d["match"]
' 2>"$TMP/pyerr" && ok "json without --coverage has no report" || bad "json without --coverage" "$(cat "$TMP/pyerr")"

# --- --coverage, --pick, --explain -------------------------------------------------
run "$BIN" --corpus "$C" match --coverage "$JD"
contains "Coverage:" "--coverage prints the report"
contains "[strong]" "strong requirements are labelled"
contains "[none] Quantum chromodynamics" "an uncovered requirement is labelled none"
contains "Uncovered requirements:" "the uncovered list"
contains "evidence:" "evidence sentences"
contains "missing:" "missing terms"
run "$BIN" --corpus "$C" match --pick 2 "$JD"
contains "Stories to prepare (--pick 2):" "--pick prints the portfolio"
contains "covers:" "each pick lists what it covers"
run "$BIN" --corpus "$C" match --explain "$JD"
contains "job description terms" "--explain lists the built query's terms"
contains "why:" "--explain shows each result's term contributions"
contains "query:" "--explain shows the query"

# --- a job ad pasted as one line -------------------------------------------------------
# tests/cli/jd/oneline-backend.txt: copied from a web page, every line break lost:
# glued fields ("Full-timeSalary:"), glued list items ("breakersOperate"), inline
# bullets, then work-authorization, visa, EEO, apply and benefits text.
ONELINE="$(cd "$(dirname "$0")" && pwd)/jd/oneline-backend.txt"
run "$BIN" --corpus "$C" --json match --coverage "$ONELINE"
expect_rc 0 "a one-line glued ad is matched"
printf '%s' "$out" | python3 -c '
import json,re,sys
d=json.load(sys.stdin)
reqs=[q["text"] for q in d["match"]["coverage"]["requirements"]]
assert len(reqs) >= 10, reqs
want=["Operate our Kafka clusters and event streaming pipelines",
      "5+ years building backend services in Go or Java",
      "3+ years with PostgreSQL, including query tuning and schema migrations",
      "Redis caching", "Mentor engineers through code reviews and design reviews"]
for w in want:
    assert w in reqs, (w, reqs)
legal=re.compile(r"authorized to work|sponsor|Equal Opportunity|without regard|resume|apply|"
                 r"open positions|401|dental|Salary|\$|Full-time|headquartered|Hybrid", re.I)
for r in reqs:
    assert not legal.search(r), "boilerplate as a requirement: %r" % r
assert d["results"], "no stories"
' 2>"$TMP/pyerr" && ok "one-line ad: its requirements, and no recruiter, legal or benefits line" \
	|| bad "one-line ad requirements" "$(cat "$TMP/pyerr")"
# the same ad with its line breaks and bullet marks lost keeps every requirement
THREE="$(cd "$(dirname "$0")/../.." && pwd)/bench/jd/three-ads-pasted-together.txt"
python3 -c '
import re,sys
t=open(sys.argv[1],encoding="utf-8").read()
t=re.sub(r"\n\s*[-*\u2022]\s+","\n",t)
sys.stdout.write(re.sub(r"\s*\n+\s*","",t))' "$THREE" >"$TMP/glued"
run "$BIN" --corpus "$C" --json match --coverage "$THREE"
printf '%s' "$out" >"$TMP/orig.json"
run "$BIN" --corpus "$C" --json match --coverage "$TMP/glued"
expect_rc 0 "three ads glued into one line are matched"
printf '%s' "$out" | python3 -c '
import json,sys
g=[q["text"] for q in json.load(sys.stdin)["match"]["coverage"]["requirements"]]
o=[q["text"] for q in json.load(open(sys.argv[1]))["match"]["coverage"]["requirements"]]
assert len(o) >= 30, len(o)
core=lambda r: (r.split(": ", 1)[1] if ": " in r[:40] else r).rstrip(" .;")  # "Label: value": the value
miss=[r for r in o if not any(core(r) in x for x in g)]
assert not miss, miss
' "$TMP/orig.json" 2>"$TMP/pyerr" && ok "every requirement of the ad survives its line breaks being lost" \
	|| bad "glued ad keeps its requirements" "$(cat "$TMP/pyerr")"
printf 'Minimum Required Skills:Kafka, Kong, PostgreSQLIf you like reliability work, please read on!All qualified applicants will receive consideration without regard to race or national origin.' >"$TMP/skills1"
run "$BIN" --corpus "$C" --json match --coverage "$TMP/skills1"
expect_rc 0 "a one-line ad of a skills list and EEO text is matched"
printf '%s' "$out" | python3 -c '
import json,sys
d=json.load(sys.stdin)
reqs=[q["text"] for q in d["match"]["coverage"]["requirements"]]
assert "Kafka, Kong, PostgreSQL" in reqs, reqs
assert not any("regard" in r for r in reqs), reqs
' 2>"$TMP/pyerr" && ok "its skills list is a requirement, the EEO sentence is not" \
	|| bad "skills list kept" "$(cat "$TMP/pyerr")"

# a one-line paste where blank runs stand for the lost breaks, a heading glued to its
# first item, an apply instruction, a legal line in the plural, and the same ad as HTML
printf '%s' 'Platform Engineer Northwind Freight moves pallets across six ports and tracks every one of them in real time.   Required skills Kafka consumers in Go with idempotent retries and circuit breakers, tuned for slow queries in PostgreSQL.   Must pass state and federal background checks   Benefits At Northwind, we offer a pension, a bike and lunches on Fridays.   Please apply below with your most recent resume and anything else you would like us to know about you, such as your commute and the hours you prefer.' >"$TMP/blanks"
printf '%s' '<h2>Platform Engineer</h2><p><strong>Required skills</strong></p><ul><li>Kafka consumers in Go with idempotent retries and circuit breakers</li><li>Rate limiting in Kong &amp; Redis caching</li></ul><p>We&#x27;re hiring now. Apply at <a href="https:&#x2F;&#x2F;northwind.example&#x2F;jobs">https:&#x2F;&#x2F;northwind.example&#x2F;jobs</a></p>' >"$TMP/html"
for f in blanks html; do
	run "$BIN" --corpus "$C" --json match --coverage "$TMP/$f"
	expect_rc 0 "a pasted ad ($f) is matched"
	printf '%s' "$out" | python3 -c '
import json,re,sys
d=json.load(sys.stdin)
reqs=[q["text"] for q in d["match"]["coverage"]["requirements"]]
assert any(r.startswith("Kafka consumers in Go with idempotent retries and circuit breakers") for r in reqs), reqs
bp=re.compile(r"href|&#|<|apply|resume|pension|lunches|background check|Benefits|Required skills", re.I)
for r in reqs:
    assert not bp.search(r), "not a requirement: %r" % r
' 2>"$TMP/pyerr" && ok "$f: the requirement is kept, markup, headings, apply, legal and benefits text are not" \
		|| bad "$f: requirements of a pasted ad" "$(cat "$TMP/pyerr")"
done

# --- aliases: built in, and the user file --------------------------------------------
run "$BIN" --corpus "$C" search k8s
k8s=$out
run "$BIN" --corpus "$C" search kubernetes
[ -n "$k8s" ] && [ "$(printf '%s\n' "$k8s" | head -1)" = "$(printf '%s\n' "$out" | head -1)" ] \
	&& ok "search: k8s finds what kubernetes finds" || bad "search: k8s alias" "$k8s"
mkdir -p "$XDG_CONFIG_HOME/cvsearch"
run "$BIN" --corpus "$C" search zzyzxthrottle
expect_rc 1 "an unknown word finds nothing"
printf '# mine\nzzyzxthrottle = rate limiting\n' >"$XDG_CONFIG_HOME/cvsearch/aliases"
run "$BIN" --corpus "$C" search zzyzxthrottle
expect_rc 0 "the user alias file extends search"
printf 'no separator here\n' >"$XDG_CONFIG_HOME/cvsearch/aliases"
run "$BIN" --corpus "$C" search kafka
expect_rc 2 "a bad alias file is an error"
err_contains "aliases:1:" "the error names the alias file line"
rm -f "$XDG_CONFIG_HOME/cvsearch/aliases"
CVSEARCH_ALIASES="$TMP/nope" run "$BIN" --corpus "$C" search kafka
expect_rc 2 "a missing \$CVSEARCH_ALIASES file is an error"

# --- bad input ------------------------------------------------------------------------
: >"$TMP/empty"
run "$BIN" --corpus "$C" match "$TMP/empty"
expect_rc 2 "empty input exits 2"
err_contains "empty" "empty input is explained"
printf '  \n\n\t\n' >"$TMP/blank"
run "$BIN" --corpus "$C" match "$TMP/blank"
expect_rc 2 "blank input exits 2"
printf 'abc\000def\001\002' >"$TMP/bin"
run "$BIN" --corpus "$C" match "$TMP/bin"
expect_rc 2 "binary input exits 2"
err_contains "binary" "binary input is explained"
printf 'the and of, to. (!!) --- 123 456\n' >"$TMP/stop"
run "$BIN" --corpus "$C" match "$TMP/stop"
expect_rc 2 "no usable terms exits 2"
err_contains "no searchable words" "no usable terms is explained"
printf 'We are an equal opportunity employer. Benefits include dental.\n' >"$TMP/bp"
run "$BIN" --corpus "$C" match "$TMP/bp"
expect_rc 2 "only boilerplate exits 2"
python3 -c "open('$TMP/jd16','wb').write('Platform Engineer\\n\\n- Build CLI tools for local setup\\n'.encode('utf-16'))"
run "$BIN" --corpus "$C" match "$TMP/jd16"
expect_rc 0 "a UTF-16 job description (with a BOM) is decoded"
contains "Developer Tooling" "and matched like its UTF-8 text"
printf 'Benefits\n* Unlimited PTO\n* 401(k)\nWe are an equal opportunity employer.\n' >"$TMP/bp2"
run "$BIN" --corpus "$C" match "$TMP/bp2"
expect_rc 2 "a first line 'Benefits' is a boilerplate heading, not the job title"
python3 -c 'import sys; sys.stdout.write("kafka rate limiting " * 60000)' >"$TMP/big"
run "$BIN" --corpus "$C" match "$TMP/big"
expect_rc 2 "input over 1 MiB exits 2"
err_contains "KiB" "the size limit is explained"
# 600 KB on one line, with nothing to split at: one requirement of its
# first 1,024 distinct words, not "input too big"
python3 -c 'import random; random.seed(3); w="kafka redis python java kubernetes terraform docker graphql react postgres".split(); print(" ".join(random.choice(w) + (str(random.randint(0, 99999)) if i % 3 == 0 else "") for i in range(70000)))' >"$TMP/bigline.txt"
run "$BIN" --corpus "$C" match "$TMP/bigline.txt"
expect_rc 0 "a 600 KB one-line paste under the 1 MiB limit is matched"
run sh -c "\"$BIN\" --corpus \"$C\" match - < \"$TMP/big\""
expect_rc 2 "stdin over 1 MiB exits 2"
run "$BIN" --corpus "$C" match "$TMP/does-not-exist"
expect_rc 2 "a missing file exits 2"
err_contains "cannot open" "a missing file is explained"
run "$BIN" --corpus "$C" match "$JD" "$JD"
expect_rc 2 "two files exit 2"
run "$BIN" --corpus "$C" match --pick 0 "$JD"
expect_rc 2 "--pick 0 exits 2"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
