/*
 * flowlog-emit: turns the aggregator's counters into flow-log records, per
 * flow log covering each ENI and per aggregation interval (engine.h,
 * eng_flowlog_flush()).
 *
 * Interval: the shortest MaxAggregationInterval among the generation's flow
 * logs (600 s by default, 60 s when any flow log asks for it), or the
 * caller's override.  ENIs that a flow log covers and that saw no traffic in
 * the interval get a NODATA record; ENIs whose records did not fit in the
 * aggregator get a SKIPDATA record.  Records of ENIs that no longer exist in
 * the generation are dropped.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/engine/state-private.h"
#include "lib/util/util.h"

struct emit {
	struct eng_state *st;
	const struct eng_gen *g;
	uint8_t *seen; /* per ENI of g */
	void (*fn)(const struct eng_flow_record *rec, void *userdata);
	void *userdata;
	size_t count;
	int64_t start, end;
};

static void fill_common(const struct eng_gen *g, uint32_t eni, struct eng_flow_record *r)
{
	const struct gen_eni *e = &g->enis[eni];

	r->account_id = g->account_id;
	r->interface_id = e->id;
	r->vpc_id = g->vpcs[e->vpc].id;
	r->subnet_id = e->subnet != GEN_NONE ? g->subnets[e->subnet].id : "";
	r->instance_id = e->instance_id;
	r->region = g->region;
	r->az_id = e->subnet != GEN_NONE ? g->subnets[e->subnet].az_id : "";
}

static bool admits(enum model_flow_traffic t, bool reject)
{
	return t == MODEL_FLOW_ALL || (t == MODEL_FLOW_REJECT) == reject;
}

static void emit_per_log(struct emit *x, uint32_t eni, struct eng_flow_record *r, bool reject)
{
	const struct gen_eni *e = &x->g->enis[eni];

	for (size_t i = 0; i < e->n_flow_logs; i++) {
		const struct gen_flow_log *fl = &x->g->flow_logs[e->flow_logs[i]];

		if (r->log_status == ENG_FLOW_OK && !admits(fl->traffic, reject))
			continue;
		r->flow_log_id = fl->id;
		r->format = fl->format;
		x->fn(r, x->userdata);
		x->count++;
	}
}

static void on_entry(const struct flowlog_entry *en, void *ud)
{
	struct emit *x = ud;
	struct eng_flow_record r;
	uint32_t eni;

	if (en->key.eni >= x->st->next_zone)
		return;
	eni = x->st->eni_of_zone[en->key.eni];
	if (eni == GEN_NONE || eni >= x->g->n_enis)
		return;
	x->seen[eni] = 1;
	memset(&r, 0, sizeof(r));
	fill_common(x->g, eni, &r);
	r.srcaddr = en->key.srcaddr;
	r.dstaddr = en->key.dstaddr;
	r.srcport = en->key.srcport;
	r.dstport = en->key.dstport;
	r.protocol = en->key.proto;
	r.packets = en->packets;
	r.bytes = en->bytes;
	r.start = en->start;
	r.end = en->end;
	r.action = en->key.reject ? ENG_FLOW_REJECT : ENG_FLOW_ACCEPT;
	r.log_status = ENG_FLOW_OK;
	r.tcp_flags = en->key.proto == PKT_PROTO_TCP ? en->tcp_flags : 0;
	r.pkt_srcaddr = en->key.pkt_srcaddr;
	r.pkt_dstaddr = en->key.pkt_dstaddr;
	r.egress = en->key.egress;
	r.traffic_path = en->key.traffic_path;
	emit_per_log(x, eni, &r, en->key.reject);
}

static void on_skip(uint32_t zone, void *ud)
{
	struct emit *x = ud;

	if (zone < x->st->cap_eni_of_zone)
		x->st->zone_skipped[zone] = 1;
}

static void emit_status(struct emit *x, uint32_t eni, int status)
{
	struct eng_flow_record r;

	memset(&r, 0, sizeof(r));
	fill_common(x->g, eni, &r);
	r.start = x->start;
	r.end = x->end;
	r.log_status = status;
	r.tcp_flags = 0;
	emit_per_log(x, eni, &r, false);
}

size_t eng_flowlog_flush(struct eng_state *st, const struct eng_gen *gen, uint64_t now_ms,
			 uint32_t interval_override_s,
			 void (*fn)(const struct eng_flow_record *rec, void *userdata),
			 void *userdata)
{
	struct emit x;
	int64_t now_s = (int64_t)(now_ms / 1000);
	int64_t interval = interval_override_s;

	if (!gen || state_adopt(st, gen) < 0)
		return 0;
	if (!interval) {
		interval = 600;
		for (size_t i = 0; i < gen->n_flow_logs; i++)
			if (gen->flow_logs[i].interval_s > 0 && gen->flow_logs[i].interval_s < interval)
				interval = gen->flow_logs[i].interval_s;
	}
	if (st->flow_interval_start == 0)
		st->flow_interval_start = now_s;
	if (now_s < st->flow_interval_start + interval)
		return 0;

	memset(&x, 0, sizeof(x));
	x.st = st;
	x.g = gen;
	x.fn = fn;
	x.userdata = userdata;
	x.start = st->flow_interval_start;
	x.end = now_s;
	x.seen = calloc(gen->n_enis ? gen->n_enis : 1, 1);
	if (!x.seen)
		return 0;
	flowlog_agg_drain(st->flow, on_entry, on_skip, &x);
	for (size_t i = 0; i < gen->n_enis; i++) {
		uint32_t zone = st->zone_of_eni[i];

		if (gen->enis[i].n_flow_logs == 0)
			continue;
		if (zone < st->cap_eni_of_zone && st->zone_skipped[zone])
			emit_status(&x, (uint32_t)i, ENG_FLOW_SKIPDATA);
		else if (!x.seen[i])
			emit_status(&x, (uint32_t)i, ENG_FLOW_NODATA);
	}
	memset(st->zone_skipped, 0, st->cap_eni_of_zone);
	state_release_quarantine(st);
	st->flow_interval_start = now_s;
	free(x.seen);
	return x.count;
}
