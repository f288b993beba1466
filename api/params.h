/*
 * params: the parameter map of one EC2 Query request.
 *
 * What.  An application/x-www-form-urlencoded body or a query string
 * ("Action=DescribeVpcs&VpcId.1=vpc-1") parsed into a map from name to value.
 * Names and values are percent-decoded ('+' is a space) and must be valid
 * UTF-8 without control characters other than tab, CR and LF (so anything
 * accepted can be written back into XML); a name must be
 * non-empty, at most API_PARAM_NAME_MAX bytes and contain no control bytes;
 * a repeated name is an error (EC2 never sends one); at most
 * API_PARAMS_MAX parameters.  Keys are kept sorted so lookups are binary
 * searches and every "Name.N..." list is one contiguous range.
 *
 * Ownership.  The map owns its strings; api_params_free() releases it.
 * Not thread-safe; no I/O.
 */
#ifndef OPENVPC_API_PARAMS_H
#define OPENVPC_API_PARAMS_H

#include <stdbool.h>
#include <stddef.h>

struct api_param {
	char *name;
	char *value;
};

struct api_params {
	struct api_param *items; /* sorted by name (strcmp) */
	size_t n, cap;
};

/*
 * Parse src (size bytes, need not be NUL-terminated) and add its
 * parameters to *p (which may already hold some: a GET query plus a POST
 * body).  Returns 0, -EEXIST (a repeated name; *ret_bad_name set to a heap
 * copy of it when non-NULL), -EINVAL (malformed escape, empty or bad name),
 * -E2BIG (too many parameters or a name too long), -ENOMEM.
 */
int api_params_parse(struct api_params *p, const char *src, size_t size, char **ret_bad_name);

/* Value of name, or NULL. */
const char *api_params_get(const struct api_params *p, const char *name);

/* Index of the first name >= prefix (for range scans). */
size_t api_params_lower_bound(const struct api_params *p, const char *prefix);

/* Free the contents; accepts NULL; returns NULL. */
struct api_params *api_params_done(struct api_params *p);

/*
 * Does name match pattern, where "N" in pattern stands for a list index
 * (1..API_LIST_MAX without leading zeros)?  ("Filter.N.Value.N" matches
 * "Filter.2.Value.10".)
 */
bool api_params_name_matches(const char *pattern, const char *name);

#endif
