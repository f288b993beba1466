/*
 * libFuzzer target: `vpcctl flow-logs tail` reading flow-log objects (any
 * file a user points it at): the first line is the header, every further
 * line a record rendered as text and as JSON.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/flowlogs-render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flr_header h;
	char *copy, *line, *save = NULL, out[2048];
	int n;

	copy = malloc(size + 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	line = strtok_r(copy, "\n", &save);
	if (line && flr_header_parse(line, &h) == 0) {
		while ((line = strtok_r(NULL, "\n", &save))) {
			n = flr_render_text(&h, line, out, sizeof(out));
			if (n >= (int)sizeof(out) || (n >= 0 && strlen(out) != (size_t)n))
				abort();
			n = flr_render_json(&h, line, out, sizeof(out));
			if (n >= (int)sizeof(out) || (n >= 0 && strlen(out) != (size_t)n))
				abort();
			(void)flr_protocol_name(line);
		}
		flr_header_done(&h);
	}
	free(copy);
	return 0;
}
