/*
 * libFuzzer target: the store's JSON deserialiser on arbitrary bytes.
 *
 * Every input either fails cleanly (-EPROTO / -ENOMEM) or loads; a loaded
 * model must survive serialise -> deserialise -> serialise with identical
 * text (the property the store relies on to skip unchanged rows), and
 * compile into an engine generation without a crash (a damaged state
 * directory may never take the data path down).  Seeds:
 * tests/fuzz/corpus/store-deserialize/.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/engine/engine.h"
#include "store/serialize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *text_of(const struct model *m)
{
	json_t *j = NULL;
	char *t;

	if (store_serialize_model(m, &j) < 0)
		abort(); /* whatever loads must serialise */
	t = store_json_text(j);
	json_decref(j);
	if (!t)
		abort();
	return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct model *m = NULL, *m2 = NULL;
	struct eng_gen *gen = NULL;
	json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	char *t1, *t2;
	int r;

	if (!j)
		return 0;
	r = store_deserialize_model(j, &m);
	json_decref(j);
	if (r < 0) {
		if (r != -EPROTO && r != -ENOMEM)
			abort();
		if (m)
			abort(); /* output written on failure */
		return 0;
	}
	t1 = text_of(m);
	j = json_loads(t1, 0, NULL);
	if (!j || store_deserialize_model(j, &m2) < 0)
		abort();
	json_decref(j);
	t2 = text_of(m2);
	if (strcmp(t1, t2) != 0)
		abort();
	if (eng_compile(m, &gen) == 0)
		eng_gen_unref(gen);
	free(t1);
	free(t2);
	model_free(m);
	model_free(m2);
	return 0;
}
