/*
 * libFuzzer target: the describe-* JSON importer on arbitrary bytes.  Every
 * input either loads or fails with an error naming a field; none may crash,
 * leak or read out of bounds.  Seeds: tests/fuzz/corpus/awsjson/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/awsjson/awsjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct awsjson_error err;
	struct model *m = model_new("", "");
	int r;

	if (!m)
		return 0;
	r = awsjson_load_buffer("fuzz.json", (const char *)data, size, m, &err);
	if (r < 0 && (memchr(err.message, '\0', sizeof(err.message)) == NULL ||
		      memchr(err.field, '\0', sizeof(err.field)) == NULL))
		abort(); /* messages are always terminated */
	model_free(m);
	return 0;
}
