#!/bin/sh
# tests/cli/notes.sh -- real note shapes (issue #9), end to end on the fixture
# notes of tests/fixtures/real-notes: YAML front matter folded into its note,
# org-mode headlines and drawers, a brag list of dated items, a saved e-mail,
# a page of links and a template (listed, never ranked), and a pasted copy of
# a story collapsed into the original's result. Closing line "N passed, N failed".
set -u
. "$(dirname "$0")/lib/common.sh"
SRC=$(cd "$(dirname "$0")/../fixtures/real-notes" && pwd)
TMP=$(mktemp -d /tmp/cvsearch-notes.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
export CVSEARCH_INDEX_DIR="$TMP/cache"
export NO_COLOR=1
unset CVSEARCH_CORPUS
# py CHECK-NAME SCRIPT: run python on $out (JSON)
py() { printf '%s' "$out" | python3 -c "$2" 2>"$TMP/pyerr" && ok "$1" || bad "$1" "$(cat "$TMP/pyerr")"; }

cp -R "$SRC" "$TMP/notes"
C="$TMP/notes"

# --- front matter ---------------------------------------------------------------
run "$BIN" --corpus "$C" stories "Kafka migration"
contains "10-24   Billing events: RabbitMQ to Kafka" "a short note with front matter is one story, titled by its title:"
lacks " 1-" "the front matter is no story of its own"
run "$BIN" --corpus "$C" --json "leadership streaming"
py "front matter tags apply to the note's story" '
import json,sys
r=json.load(sys.stdin)["results"]
assert r and r[0]["file"]=="obsidian/Kafka migration.md" and r[0]["line_start"]==10, r[:1]'
run "$BIN" --corpus "$C" --json "mentoring people"
py "tags in a YAML list apply too" '
import json,sys
r=json.load(sys.stdin)["results"]
assert r and r[0]["file"]=="obsidian/Onboarding buddy.md", r[:1]
assert r[0]["title"]=="Onboarding buddy for Dana", r[0]["title"]'

# --- org-mode --------------------------------------------------------------------
run "$BIN" --corpus "$C" stories career.org
contains "5-22   Projects" "org-mode headlines are headings"
contains "23-29   Feedback" "each top-level headline is a story"
run "$BIN" --corpus "$C" show career.org:10
lacks "6f1c2b8e" "org drawers are not shown (nor indexed)"
contains "token-bucket rate limiter" "org body text is kept"
run "$BIN" --corpus "$C" 6f1c2b8e
[ "$rc" = 1 ] && ok "a property drawer's value finds nothing" || bad "drawer indexed" "exit $rc: $out"
run "$BIN" --corpus "$C" --json "career log redis"
py "#+TITLE and #+FILETAGS apply to every story of the org file" '
import json,sys
r=json.load(sys.stdin)["results"]
assert r[0]["file"]=="org/career.org", r[:1]'

# --- brag list ---------------------------------------------------------------------
run "$BIN" --corpus "$C" stories brag-2024
n=$(printf '%s\n' "$out" | grep -c "Brag document 2024 > 2024-")
[ "$n" = 6 ] && ok "each dated item of a brag list is a story (6)" || bad "dated items" "$n stories: $out"
run "$BIN" --corpus "$C" --json "gradle test shards"
py "a dated item is found on its own, with its lines" '
import json,sys
r=json.load(sys.stdin)["results"]
assert r[0]["file"]=="brag-2024.md" and r[0]["line_start"]==5 and r[0]["line_end"]==5, r[:1]'

# --- saved e-mail ---------------------------------------------------------------------
run "$BIN" --corpus "$C" stories "praise from"
contains "Thank you for the billing cutover" "the Subject: heads the message"
contains "March close" "a quoted message is a story of its own"
run "$BIN" --corpus "$C" "maria.lopez"
[ "$rc" = 1 ] && ok "e-mail header lines are not searched" || bad "headers searched" "$out"

# --- links only, templates ---------------------------------------------------------------
run "$BIN" --corpus "$C" stories
contains "Career map  (7 lines, id" "a page of links is listed"
contains "not searched: only links" "... and marked as not searched"
contains "not searched: a template" "a template page is marked as not searched"
run "$BIN" --corpus "$C" --json --limit 50 "staff archetypes kafka summit talks"
py "a page of links never ranks" '
import json,sys
r=json.load(sys.stdin)["results"]
assert all(x["file"]!="obsidian/Career MOC.md" for x in r), [x["file"] for x in r]'
run "$BIN" --corpus "$C" --json --limit 50 "situation task action result leadership mentoring"
py "a template never ranks" '
import json,sys
r=json.load(sys.stdin)["results"]
assert all(not x["file"].startswith("Templates/") for x in r), [x["file"] for x in r]'

# --- near-duplicates ------------------------------------------------------------------------
run "$BIN" --corpus "$C" "invoice run consumer lag"
contains "+1 near-duplicate:" "a near-duplicate is collapsed into the hit, and said"
contains "(and 1 near-duplicate of them, folded)" "the count line says the folded near-duplicate is counted"
n=$(printf '%s\n' "$out" | grep -c "^ *[0-9]*\. Billing events\|^ *[0-9]*\. STAR")
[ "$n" = 1 ] && ok "the pasted copy takes no slot of its own" || bad "near-duplicate slots" "$out"
run "$BIN" --corpus "$C" --json "invoice run consumer lag"
py "--json lists the near-duplicates of a result" '
import json,sys
r=json.load(sys.stdin)["results"]
d=[x for x in r if x["duplicates"]]
assert len(d)==1 and len(d[0]["duplicates"])==1, r
x=d[0]["duplicates"][0]
assert {x["path"].split("/")[-1], d[0]["path"].split("/")[-1]}=={"Kafka migration.md","STAR billing cutover.md"}, (x, d[0]["path"])
assert x["line_start"]>=1 and x["line_end"]>=x["line_start"] and x["score"]<=d[0]["score"]
ids=[y["id"] for y in r]
assert x["id"] not in ids'
run "$BIN" --corpus "$C" stories
contains "; near-duplicate of id" "stories names the near-duplicate"
printf 'Senior backend engineer\n- Kafka and RabbitMQ event pipelines\n- billing systems, invoice runs\n- mentoring\n' >"$TMP/jd.txt"
run "$BIN" --corpus "$C" match "$TMP/jd.txt"
contains "+1 near-duplicate:" "match folds a near-duplicate into its pick too"
n=$(printf '%s\n' "$out" | grep -c "^ *[0-9]*\. Billing events\|^ *[0-9]*\. STAR")
[ "$n" = 1 ] && ok "... which takes no slot of its own" || bad "match near-duplicate slots" "$out"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
