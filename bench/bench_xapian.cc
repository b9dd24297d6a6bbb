/*
 * bench_xapian.cc -- the Xapian bench driver (peer; only the bench links
 * libxapian). Configuration, stated in RESULTS.md: TermGenerator with the
 * English stemmer and its default strategy (STEM_SOME), positions on
 * (index_text), the docid kept as document data; one commit at the end.
 * Queries: QueryParser with the English stemmer, default operator OP_OR and
 * no flags (so AND, OR, NOT, quotes and - are words, not operators);
 * Enquire with the default weighting (BM25Weight), get_mset(0, K).
 * Command line: see bench_common.h.
 */
#include <xapian.h>
#include <string>
#include <vector>
#include <cstdio>
#include <cstdlib>
#include "bench_common.h"

struct index_ctx {
	Xapian::WritableDatabase *db;
	Xapian::TermGenerator *tg;
};

static int add_doc(void *ctx, const bench_row *r)
{
	index_ctx *c = (index_ctx *)ctx;
	Xapian::Document doc;
	c->tg->set_document(doc);
	c->tg->index_text(std::string(r->text, r->len));
	doc.set_data(r->id);
	c->db->add_document(doc);
	return 0;
}

static int do_index(const char *docs, const char *out)
{
	unsigned long long bytes = 0, postings = 0;
	std::string rm = std::string("rm -rf '") + out + "'";
	if (system(rm.c_str()) != 0)
		return 1;
	double t0 = bench_now(), c0 = bench_cpu();
	long n;
	{
		Xapian::WritableDatabase db(out, Xapian::DB_CREATE_OR_OVERWRITE);
		Xapian::TermGenerator tg;
		tg.set_stemmer(Xapian::Stem("english"));
		index_ctx c = { &db, &tg };
		n = bench_each_row(docs, add_doc, &c, &bytes);
		db.commit();
	}
	double wall = bench_now() - t0, cpu = bench_cpu() - c0;
	{
		Xapian::Database db(out);
		for (Xapian::TermIterator t = db.allterms_begin(); t != db.allterms_end(); ++t)
			postings += t.get_termfreq();
	}
	bench_print_index("xapian", n, bytes, wall, cpu, bench_disk_bytes(out), postings);
	return n < 0;
}

static int do_query(const char *index, const char *queries, const bench_qopts *o)
{
	Xapian::Database db(index);
	Xapian::Enquire enq(db);
	Xapian::QueryParser qp;
	qp.set_stemmer(Xapian::Stem("english"));
	qp.set_database(db);
	qp.set_default_op(Xapian::Query::OP_OR);
	bench_table qs = { 0, 0, 0 };
	if (bench_each_row(queries, bench_table_add, &qs, NULL) < 0)
		return 1;
	FILE *run = NULL;
	if (o->run && !(run = fopen(o->run, "w"))) {
		perror(o->run);
		return 1;
	}
	size_t n = qs.n * (size_t)o->reps, k = 0;
	std::vector<double> ms(n ? n : 1);
	double hits = 0, t_start = bench_now();
	for (int rep = o->warmup ? -1 : 0; rep < o->reps; rep++) {
		for (size_t i = 0; i < qs.n; i++) {
			if (o->budget > 0 && bench_now() - t_start > o->budget && k > 0)
				goto out;
			double t0 = bench_now();
			enq.set_query(qp.parse_query(std::string(qs.rows[i].text, qs.rows[i].len), 0));
			Xapian::MSet m = enq.get_mset(0, (Xapian::doccount)o->limit);
			size_t got = 0;
			for (Xapian::MSetIterator it = m.begin(); it != m.end(); ++it) {
				got++;
				if (run && rep == (o->warmup ? -1 : 0))
					fprintf(run, "%s Q0 %s %zu %.6f xapian\n", qs.rows[i].id,
					        it.get_document().get_data().c_str(), got, it.get_weight());
			}
			double t = (bench_now() - t0) * 1e3;
			if (rep >= 0) {
				ms[k++] = t;
				hits += (double)got;
			}
		}
	}
out:
	if (run)
		fclose(run);
	bench_print_latency("xapian", ms.data(), k, k ? hits / (double)k : 0);
	return 0;
}

int main(int argc, char **argv)
{
	bench_qopts o;
	try {
		if (argc == 4 && !strcmp(argv[1], "index"))
			return do_index(argv[2], argv[3]);
		if (argc >= 4 && !strcmp(argv[1], "query") && bench_parse_qopts(argc, argv, 4, &o) == 0)
			return do_query(argv[2], argv[3], &o);
	} catch (const Xapian::Error &e) {
		fprintf(stderr, "bench_xapian: %s\n", e.get_description().c_str());
		return 1;
	}
	BENCH_USAGE(argv[0]);
	return 2;
}
