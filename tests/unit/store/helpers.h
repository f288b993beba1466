/*
 * Helpers for the store tests: temporary state directories and a second,
 * independent SQLite connection to look at (or tamper with) the database.
 */
#ifndef OPENVPC_TEST_STORE_HELPERS_H
#define OPENVPC_TEST_STORE_HELPERS_H

#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/serialize.h"
#include "store/store.h"

/* A fresh directory under $TMPDIR (or /tmp); caller frees the string. */
static inline char *th_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *dir;

	cr_assert_neq(asprintf(&dir, "%s/openvpc-store-XXXXXX", base && *base ? base : "/tmp"), -1);
	cr_assert(mkdtemp(dir), "mkdtemp");
	return dir;
}

static inline void th_rmdir(char *dir)
{
	char *cmd;

	cr_assert_neq(asprintf(&cmd, "rm -rf '%s'", dir), -1);
	cr_assert_eq(system(cmd), 0);
	free(cmd);
	free(dir);
}

/* A second connection to DIR/vpcd.db. */
static inline sqlite3 *th_db(const char *dir)
{
	char *path;
	sqlite3 *db;

	cr_assert_neq(asprintf(&path, "%s/vpcd.db", dir), -1);
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	free(path);
	return db;
}

static inline void th_exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, &err), SQLITE_OK, "%s: %s", sql,
		     err ? err : "?");
}

/* The first column of the first row as an integer. */
static inline long long th_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	long long v;

	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s", sql);
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", sql);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* All rows of a query, one line each, columns separated by '|' (caller frees). */
static inline char *th_rows(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	char *out = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);

	cr_assert(f);
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s", sql);
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (int i = 0; i < sqlite3_column_count(st); i++) {
			const unsigned char *t = sqlite3_column_text(st, i);

			fprintf(f, "%s%s", i ? "|" : "", t ? (const char *)t : "NULL");
		}
		fputc('\n', f);
	}
	sqlite3_finalize(st);
	fclose(f);
	return out;
}

/* The model as compact JSON text (caller frees). */
static inline char *th_model_text(const struct model *m)
{
	json_t *j = NULL;
	char *text;

	cr_assert_eq(store_serialize_model(m, &j), 0);
	text = store_json_text(j);
	json_decref(j);
	cr_assert(text);
	return text;
}

static inline size_t th_object_count(const struct model *m)
{
	size_t n_kinds, total = 0;
	const struct store_kind *kinds = store_kinds(&n_kinds);

	for (size_t k = 0; k < n_kinds; k++)
		total += kinds[k].count(m);
	return total;
}

#endif
