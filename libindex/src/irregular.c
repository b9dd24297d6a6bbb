/*
 * irregular.c -- English irregular verb forms -> their base form, looked up
 * by the analyzer before stemming (analyze.c). Snowball stems suffixes, so
 * "built" and "build", "led" and "lead", "wrote" and "write" stay apart; career
 * notes are written in the past tense ("Led the migration", "Built a
 * pipeline") and questions and job ads in the present ("lead a team", "build
 * services"), so without this they would not meet.
 *
 * The list is the irregular past tenses and participles of WordNet's verb
 * exception list (verb.exc) that are common in work writing, minus forms
 * whose everyday meaning is another word: "left", "rose", "fell", "bit",
 * "lay", "wound", "ground", "bore", "drunk", and "went"/"gone" (which would
 * make every "went live" a match for the Go language). Forms that stem to a
 * stop word ("did", "done", "had", "was") are left alone too.
 */
#include <stdlib.h>
#include <string.h>
#include "common.h"

static const char *const irregular[][2] = {
	/* sorted by form (strcmp order) for bsearch; tests check it */
	{ "arisen", "arise" },           { "arose", "arise" },            { "ate", "eat" },
	{ "awoke", "awake" },            { "beaten", "beat" },            { "became", "become" },
	{ "began", "begin" },            { "begun", "begin" },            { "bent", "bend" },
	{ "blew", "blow" },              { "blown", "blow" },             { "bought", "buy" },
	{ "bred", "breed" },             { "broke", "break" },            { "broken", "break" },
	{ "brought", "bring" },          { "built", "build" },            { "came", "come" },
	{ "caught", "catch" },           { "chose", "choose" },           { "chosen", "choose" },
	{ "dealt", "deal" },             { "drawn", "draw" },             { "drew", "draw" },
	{ "driven", "drive" },           { "drove", "drive" },            { "eaten", "eat" },
	{ "fed", "feed" },               { "felt", "feel" },              { "flew", "fly" },
	{ "flown", "fly" },              { "forbade", "forbid" },         { "forbidden", "forbid" },
	{ "forgave", "forgive" },        { "forgiven", "forgive" },       { "forgot", "forget" },
	{ "forgotten", "forget" },       { "fought", "fight" },           { "found", "find" },
	{ "froze", "freeze" },           { "frozen", "freeze" },          { "gave", "give" },
	{ "given", "give" },             { "got", "get" },                { "gotten", "get" },
	{ "grew", "grow" },              { "grown", "grow" },             { "heard", "hear" },
	{ "held", "hold" },              { "hid", "hide" },               { "hidden", "hide" },
	{ "kept", "keep" },              { "knew", "know" },              { "known", "know" },
	{ "learnt", "learn" },           { "led", "lead" },               { "lent", "lend" },
	{ "lost", "lose" },              { "made", "make" },              { "meant", "mean" },
	{ "met", "meet" },               { "misled", "mislead" },         { "overcame", "overcome" },
	{ "oversaw", "oversee" },        { "overseen", "oversee" },       { "overtaken", "overtake" },
	{ "overtook", "overtake" },      { "paid", "pay" },               { "proven", "prove" },
	{ "ran", "run" },                { "rebuilt", "rebuild" },        { "reran", "rerun" },
	{ "rewritten", "rewrite" },      { "rewrote", "rewrite" },        { "ridden", "ride" },
	{ "risen", "rise" },             { "rode", "ride" },              { "said", "say" },
	{ "sang", "sing" },              { "sank", "sink" },              { "sat", "sit" },
	{ "saw", "see" },                { "seen", "see" },               { "sent", "send" },
	{ "shaken", "shake" },           { "shook", "shake" },            { "shot", "shoot" },
	{ "shown", "show" },             { "shrank", "shrink" },          { "shrunk", "shrink" },
	{ "slept", "sleep" },            { "slid", "slide" },             { "sold", "sell" },
	{ "sought", "seek" },            { "spent", "spend" },            { "spoke", "speak" },
	{ "spoken", "speak" },           { "spun", "spin" },              { "stole", "steal" },
	{ "stolen", "steal" },           { "stood", "stand" },            { "strove", "strive" },
	{ "struck", "strike" },          { "stuck", "stick" },            { "swept", "sweep" },
	{ "taken", "take" },             { "taught", "teach" },           { "thought", "think" },
	{ "threw", "throw" },            { "thrown", "throw" },           { "told", "tell" },
	{ "took", "take" },              { "tore", "tear" },              { "torn", "tear" },
	{ "undergone", "undergo" },      { "understood", "understand" },  { "undertaken", "undertake" },
	{ "undertook", "undertake" },    { "underwent", "undergo" },      { "upheld", "uphold" },
	{ "withdrawn", "withdraw" },     { "withdrew", "withdraw" },      { "woke", "wake" },
	{ "woken", "wake" },             { "won", "win" },                { "wore", "wear" },
	{ "worn", "wear" },              { "written", "write" },          { "wrote", "write" },
};

static int cmp(const void *k, const void *e)
{
	return strcmp(k, (*(const char *const (*)[2])e)[0]);
}

const char *lidx__irregular_base(const char *w, size_t n)
{
	char tmp[16];
	if (n < 3 || n >= sizeof tmp)
		return NULL;
	memcpy(tmp, w, n);
	tmp[n] = 0;
	const char *const (*e)[2] = bsearch(tmp, irregular, sizeof irregular / sizeof *irregular,
	                                    sizeof *irregular, cmp);
	return e ? (*e)[1] : NULL;
}

#ifdef LIDX_TESTING
int lidx__irregular_sorted(void)
{
	for (size_t i = 1; i < sizeof irregular / sizeof *irregular; i++)
		if (strcmp(irregular[i - 1][0], irregular[i][0]) >= 0)
			return 0;
	return 1;
}
#endif
