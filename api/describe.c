/*
 * describe: the common skeleton of a Describe* action (api.h,
 * api_describe_run): the ID list, Filter.N, MaxResults/NextToken, the
 * NotFound check of every listed ID, DryRun, selection, paging and the
 * <xxxSet> of <item>s.  Families supply the objects and how to render one,
 * and where they can a find through the model's index, so that listed IDs
 * cost a look-up each rather than a pass over every object of the kind.
 * Nothing here is specific to a resource; nothing is retained after the
 * request (the selection lives in the request arena).
 */
#include <errno.h>
#include <string.h>

#include "api/api.h"

int api_describe_run(struct api_req *r, const struct api_describe *d)
{
	struct api_filters f = {0};
	struct api_page pg = {0};
	const char **ids = NULL;
	size_t n_ids = 0, n = 0, start = 0, count = 0;
	bool more = false;
	int e;

	if (d->id_param && (e = api_get_str_list(r, &ids, &n_ids, "%s", d->id_param)) < 0)
		return e;
	if (d->filters && (e = api_filters_parse(r, d->filters, &f)) < 0)
		return e;
	if (d->paginated && (e = api_page_parse_default(r, &pg)) < 0)
		return e;
	if (d->paginated && n_ids > 0 && pg.max_results > 0 && d->ids_exclude_max_results)
		return api_fail(r, 400, "InvalidParameterCombination",
				"The parameter %ss cannot be used with the parameter MaxResults",
				d->id_param);
	const void *const *objs = d->objs;
	size_t n_objs = d->n_objs;
	const void **listed = NULL;

	if (n_ids > 0 && d->find) {
		listed = api_alloc(r, n_ids * sizeof(*listed));
		if (!listed)
			return api_fail(r, 500, "InternalError", "Out of memory.");
		n_objs = 0;
	}
	for (size_t i = 0; i < n_ids; i++) {
		bool found = false;

		if (listed) { /* through the index, each object once */
			const void *o = d->find(r->model, ids[i]);
			bool dup = false;

			found = o != NULL;
			for (size_t k = 0; k < n_objs && found && !dup; k++)
				dup = listed[k] == o;
			if (found && !dup)
				listed[n_objs++] = o;
		}
		for (size_t k = 0; k < d->n_objs && !listed && !found; k++)
			found = strcmp(d->id_of(d->objs[k]), ids[i]) == 0;
		if (!found) {
			/* not_found_fmt is a family's constant with exactly one %s. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
			return api_fail(r, 400, d->not_found_code, d->not_found_fmt, ids[i]);
#pragma GCC diagnostic pop
		}
	}
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	if (listed)
		objs = listed; /* exactly the listed objects */
	const void **sel = api_alloc(r, (n_objs + 1) * sizeof(*sel));
	if (!sel)
		return api_fail(r, 500, "InternalError", "Out of memory.");
	for (size_t k = 0; k < n_objs; k++) {
		const void *o = objs[k];

		if (n_ids > 0 && !listed && !api_id_listed(ids, n_ids, d->id_of(o)))
			continue;
		if (d->visible && !d->visible(r, o))
			continue;
		if (d->filters && !api_filters_match(&f, o))
			continue;
		sel[n++] = o;
	}
	api_page_select(&pg, sel, n, d->id_of, &start, &count, &more);
	api_xml_start(r, d->set_name);
	if (d->render_page)
		d->render_page(r, sel + start, count);
	else
		for (size_t i = start; i < start + count; i++)
			d->render(r, sel[i]);
	api_xml_end(r);
	if (more)
		api_xml_next_token(r, d->id_of(sel[start + count - 1]));
	return 0;
}
