/*
 * store: the SQLite backend.  See store.h for the contract and
 * docs/storage.md for the schema and the durability argument.
 *
 * Layout in memory.  For every Region the store has touched it keeps a
 * region_map: the account id stored for the Region and an open-addressing
 * hash table id -> (kind, hash of the JSON body as stored).  The map mirrors
 * the objects table exactly; it is rebuilt from the database on load (or on
 * the first save when the Region was never loaded) and updated only after a
 * COMMIT succeeded.  Whenever a transaction fails, the Region's map is
 * dropped and rebuilt from disk on the next use, so it can never disagree
 * with the file.  PRAGMA data_version tells when another connection has
 * committed; then every map is dropped the same way.
 *
 * A save digests every object (CPU proportional to the model), serialises
 * those whose digest moved, compares hashes and writes only the rows that
 * differ, in one IMMEDIATE transaction.  A hinted save
 * (store_save_region_hint) digests only the objects it names: stored rows
 * found in the model (changed or not), stored rows gone from it (deleted),
 * and objects of the model not yet stored (created); a hint naming an ID
 * that is none of these is ignored (a full save).  With synchronous=FULL in
 * WAL mode, COMMIT returns only after the WAL has been fsynced, which is what
 * makes an acknowledged save durable.
 *
 * Group commit (store_set_group_commit, vpcd's mode): synchronous=NORMAL,
 * so COMMIT only write()s the WAL (atomic, and kept by the kernel across a
 * kill -9), and store_sync() fdatasync()s the WAL file through a
 * descriptor of our own (fsync is per file, not per descriptor).  A counter
 * of commits (atomic: store_sync runs outside the caller's lock) against
 * the count the last fdatasync covered tells whether there is anything to
 * sync; one caller at a time runs the fdatasync while the others wait on a
 * condition variable, and every commit counted before it started is
 * covered.  SQLite's own checkpoints still fsync the WAL before copying it
 * into the database and the database afterwards, in NORMAL as in FULL.
 * With store_set_no_fsync (vpcd --no-fsync) store_sync() does nothing: an
 * acknowledged commit is in the kernel (kill -9 safe), not on the disk.
 *
 * Background checkpoints (store_set_background_checkpoints, vpcd's mode): a
 * WAL hook replaces SQLite's automatic checkpoints; it kicks a checkpointer
 * (checkpointer.c: its own thread and connection, PASSIVE checkpoints) each
 * time the WAL has grown by the threshold, and checkpoints in the committing
 * connection only once the WAL is 16 times that, so that it starts over (see
 * STORE_CHECKPOINT_PAGES below).
 *
 * Batches (store_set_batch, vpcd's mode on top of group commit): the first
 * save or token put opens one IMMEDIATE transaction and leaves it open;
 * every save and put runs in a SAVEPOINT of it (released on success, rolled
 * back alone on failure), and store_commit() COMMITs them all at once, so
 * the BEGIN / COMMIT, SQLite's locks and the WAL frames of a page written
 * twice are paid once per batch.  The maps are updated when a savepoint is
 * released; if the COMMIT fails, or SQLite rolled the whole transaction back
 * under a failing save (an I/O error or a full disk can do that), every map
 * is dropped and store_commit() fails, and the caller reloads its models.
 * The transaction is open exactly while it holds a released save (a save
 * that changed nothing, the batch's first, ends it again), and
 * store_sync_pending() reports it, so nothing is answered before the
 * store_commit() and store_sync() that cover it.
 */
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/util/util.h"
#include "store/checkpointer.h"
#include "store/serialize.h"

#define STORE_DB_NAME		    "vpcd.db"
#define STORE_BUSY_TIMEOUT_MS	    5000
#define STORE_PARAM_HASH_MAX_LENGTH 256
/*
 * Background checkpoints (store_set_background_checkpoints): kick the
 * checkpointer each time the WAL has grown by this many pages (by default:
 * SQLite's own automatic threshold), and checkpoint in the committing
 * connection once it holds STORE_CHECKPOINT_RESTART times as many.  The
 * background checkpoints do the bulk (the WAL's fsync, the copy, the
 * database's fsync) while writers go on, but under a steady stream of writes
 * they never catch up with the last commit, and SQLite starts the WAL over
 * only at a write that begins with every frame copied; the committing
 * connection's checkpoint, with no other writer in between, copies the
 * little the background ones left and lets the next write start it over.
 */
#define STORE_CHECKPOINT_PAGES	 1000
#define STORE_CHECKPOINT_RESTART 16

/* ---- schema -------------------------------------------------------------- */

/*
 * Migration i brings the schema from version i to i + 1.  Append only:
 * never edit a step that has shipped.
 */
static const char *const migrations[] = {
    /* 0 -> 1: Regions, objects, idempotency tokens. */
    "CREATE TABLE regions ("
    "  region TEXT PRIMARY KEY NOT NULL,"
    "  account_id TEXT NOT NULL"
    ");"
    "CREATE TABLE objects ("
    "  region TEXT NOT NULL REFERENCES regions(region) ON DELETE CASCADE,"
    "  kind TEXT NOT NULL,"
    "  id TEXT NOT NULL,"
    "  body TEXT NOT NULL,"
    "  PRIMARY KEY (region, id)"
    ");"
    "CREATE TABLE tokens ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  region TEXT NOT NULL,"
    "  token TEXT NOT NULL,"
    "  param_hash TEXT NOT NULL,"
    "  response TEXT NOT NULL,"
    "  UNIQUE (region, token)"
    ");"
    "CREATE INDEX tokens_by_age ON tokens (region, seq);",
};

_Static_assert(ARRAY_SIZE(migrations) == STORE_SCHEMA_VERSION, "one migration per schema version");

/* ---- per-Region map ------------------------------------------------------ */

struct region_entry {
	char id[MODEL_ID_LEN];
	bool used;
	uint16_t kind;	 /* index into store_kinds() */
	uint32_t mark;	 /* save epoch that saw this ID in the model */
	bool pending;	 /* inserted by the current save, not yet on disk */
	uint64_t h1, h2; /* hash of the stored body */
	bool fp_valid;	 /* fp digests a model object whose body is stored */
	struct store_fp fp;
	size_t length; /* length of the stored body */
};

struct region_map {
	char region[MODEL_AZ_LEN];
	char account_id[MODEL_ACCOUNT_LEN]; /* "" when the Region has no row */
	bool loaded;			    /* entries mirror the objects table */
	struct region_entry *slots;
	size_t cap; /* power of two, or 0 */
	size_t n;
	size_t token_puts; /* tokens put since the Region's last prune */
};

struct store {
	sqlite3 *db;
	struct region_map *regions;
	size_t n_regions, cap_regions;
	uint32_t epoch;
	size_t last_changes;
	bool last_hint_unplaced; /* store_last_save_hint_unplaced() */
	size_t token_limit;
	long long data_version; /* PRAGMA data_version when the maps were last valid */
	char *db_path;		/* STATE_DIR/vpcd.db */
	char *wal_path;		/* STATE_DIR/vpcd.db-wal */
	struct store_checkpointer *ckpt;    /* store_set_background_checkpoints, or NULL */
	int ckpt_pages, ckpt_restart_pages; /* the thresholds above */
	int ckpt_mark;			    /* WAL pages at the last kick (the WAL hook's own) */
	sqlite3_stmt *stmts[8]; /* enum store_stmt, prepared on first use */
	/* Group commit (store_set_group_commit); wal_fd < 0 while off. */
	int wal_fd;
	atomic_uint_fast64_t commits; /* COMMITs so far, in group-commit mode */
	pthread_mutex_t sync_lock;    /* the fields below */
	pthread_cond_t sync_done;
	uint64_t synced;  /* commits covered by the last successful fdatasync */
	uint64_t n_syncs; /* fdatasyncs run */
	bool syncing;	  /* a caller runs fdatasync now */
	int sync_error;	  /* sticky: a failed fdatasync */
	bool no_fsync;	  /* store_set_no_fsync: store_sync() never fdatasyncs */
	/* Batches (store_set_batch). */
	bool batching;
	bool batch_dirty;	  /* the open batch holds a released save */
	bool in_savepoint;	  /* the save under way took txn_savepoint() */
	atomic_bool batch_open;	  /* a batch transaction is open (store_sync_pending) */
	atomic_bool batch_lost;	  /* SQLite rolled the open batch back: store_commit fails */
};

/* A COMMIT succeeded: in group-commit mode it still needs store_sync(). */
static void committed(struct store *s)
{
	if (s->wal_fd >= 0)
		atomic_fetch_add(&s->commits, 1);
}

static uint64_t id_hash(const char *id)
{
	return util_hash64(util_fnv1a_str(UTIL_FNV1A_INIT, id));
}

/*
 * Two independent 64-bit hashes of a body, both word by word (a multiply and
 * a rotation per 8 bytes, and a SplitMix64 round per 8 bytes): the two
 * chains run side by side, where a byte-wise FNV-1a cost a multiply per
 * byte.  Only compared in memory (the map is rebuilt from the rows at load),
 * so the function may change between versions.
 */
static void body_hash(const char *body, size_t length, uint64_t *ret_h1, uint64_t *ret_h2)
{
	uint64_t h1 = UTIL_FNV1A_INIT ^ length, h2 = 0x9e3779b97f4a7c15ULL ^ length;
	size_t i = 0;

	for (; i + 8 <= length; i += 8) {
		uint64_t w, x;

		memcpy(&w, body + i, 8);
		x = h1 ^ w;
		h1 = ((x << 31) | (x >> 33)) * 0x87c37b91114253d5ULL;
		h2 = util_hash64(h2 ^ w) + 0x9e3779b97f4a7c15ULL;
	}
	for (; i < length; i++) {
		h1 = (h1 ^ (uint8_t)body[i]) * 0x100000001b3ULL;
		h2 = util_hash64(h2 ^ (uint8_t)body[i]);
	}
	*ret_h1 = util_hash64(h1);
	*ret_h2 = util_hash64(h2);
}

static void map_clear(struct region_map *rm)
{
	free(rm->slots);
	rm->slots = NULL;
	rm->cap = rm->n = 0;
	rm->loaded = false;
	rm->account_id[0] = '\0';
}

/* Slot index of id, or SIZE_MAX. */
static size_t map_find(const struct region_map *rm, const char *id)
{
	size_t mask, i;

	if (!rm->cap)
		return SIZE_MAX;
	mask = rm->cap - 1;
	for (i = id_hash(id) & mask; rm->slots[i].used; i = (i + 1) & mask)
		if (strcmp(rm->slots[i].id, id) == 0)
			return i;
	return SIZE_MAX;
}

static int map_grow(struct region_map *rm)
{
	size_t cap = rm->cap ? rm->cap * 2 : 64, mask = cap - 1;
	struct region_entry *slots;

	if (cap > SIZE_MAX / sizeof(*slots))
		return -ENOMEM;
	slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (size_t j = 0; j < rm->cap; j++) {
		size_t i;

		if (!rm->slots[j].used)
			continue;
		for (i = id_hash(rm->slots[j].id) & mask; slots[i].used; i = (i + 1) & mask)
			;
		slots[i] = rm->slots[j];
	}
	free(rm->slots);
	rm->slots = slots;
	rm->cap = cap;
	return 0;
}

/* Insert a new ID (absent); returns its slot or SIZE_MAX on OOM / too many. */
static size_t map_insert(struct region_map *rm, const char *id)
{
	size_t mask, i;

	if (rm->n >= STORE_OBJECTS_MAX)
		return SIZE_MAX;
	if ((rm->n + 1) * 2 > rm->cap && map_grow(rm) < 0)
		return SIZE_MAX;
	mask = rm->cap - 1;
	for (i = id_hash(id) & mask; rm->slots[i].used; i = (i + 1) & mask)
		;
	memset(&rm->slots[i], 0, sizeof(rm->slots[i]));
	rm->slots[i].used = true;
	util_strscpy(rm->slots[i].id, id, sizeof(rm->slots[i].id));
	rm->n++;
	return i;
}

/* Remove slot i, shifting the probe chain back (no tombstones). */
static void map_remove_at(struct region_map *rm, size_t i)
{
	size_t mask = rm->cap - 1, j = i;

	rm->slots[i].used = false;
	rm->n--;
	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (!rm->slots[j].used)
			return;
		home = id_hash(rm->slots[j].id) & mask;
		/* Move j back into the hole at i when its home is not in (i, j]. */
		if ((i <= j) ? (home <= i || home > j) : (home <= i && home > j)) {
			rm->slots[i] = rm->slots[j];
			rm->slots[j].used = false;
			i = j;
		}
	}
}

static struct region_map *region_map_find(struct store *s, const char *region)
{
	for (size_t i = 0; i < s->n_regions; i++)
		if (strcmp(s->regions[i].region, region) == 0)
			return &s->regions[i];
	return NULL;
}

static int region_map_get(struct store *s, const char *region, struct region_map **ret)
{
	struct region_map *rm = region_map_find(s, region);
	int r;

	if (!rm) {
		if (s->n_regions >= STORE_REGIONS_MAX)
			return -ENOSPC;
		r = util_grow((void **)&s->regions, &s->cap_regions, s->n_regions + 1,
			      sizeof(*s->regions));
		if (r < 0)
			return r;
		rm = &s->regions[s->n_regions++];
		memset(rm, 0, sizeof(*rm));
		util_strscpy(rm->region, region, sizeof(rm->region));
	}
	*ret = rm;
	return 0;
}

/* ---- SQLite helpers ------------------------------------------------------ */

static int sqlite_errno(int rc)
{
	switch (rc) {
	case SQLITE_CONSTRAINT_PRIMARYKEY:
	case SQLITE_CONSTRAINT_UNIQUE:
		return -EEXIST;
	default:
		break;
	}
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return 0;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
	case SQLITE_CANTOPEN:
		return -EACCES;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_TOOBIG:
		return -E2BIG;
	default:
		return -EIO;
	}
}

static int exec(sqlite3 *db, const char *sql)
{
	return sqlite_errno(sqlite3_exec(db, sql, NULL, NULL, NULL));
}

static void rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

static int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **ret_stmt)
{
	return sqlite_errno(sqlite3_prepare_v2(db, sql, -1, ret_stmt, NULL));
}

static int bind_text(sqlite3_stmt *st, int i, const char *text, size_t length)
{
	if (length > INT_MAX)
		return -E2BIG;
	return sqlite_errno(sqlite3_bind_text(st, i, text, (int)length, SQLITE_STATIC));
}

#define BIND(st, i, str) bind_text((st), (i), (str), strlen(str))

/* A copy of a text column; NULL on OOM (sqlite3_column_text's NULL included). */
static char *column_strdup(sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);

	return t ? strdup(t) : NULL;
}

/* Step a statement that returns no rows; adds its changes to *changes. */
static int step_done(sqlite3 *db, sqlite3_stmt *st, size_t *changes)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return rc == SQLITE_ROW ? -EIO : sqlite_errno(sqlite3_extended_errcode(db));
	if (changes)
		*changes += (size_t)sqlite3_changes(db);
	return 0;
}

/* A one-integer PRAGMA. */
/*
 * The statements of every save, prepared once per connection and reset
 * after each use (parsing them again was a fifth of a small save's CPU).
 */
enum store_stmt {
	STMT_BEGIN_IMMEDIATE,
	STMT_COMMIT,
	STMT_UPSERT,
	STMT_DELETE,
	STMT_DATA_VERSION,
	STMT_SAVEPOINT,
	STMT_RELEASE,
	STMT_ROLLBACK_TO,
	STMT__COUNT
};

static const char *const stmt_sql[STMT__COUNT] = {
    [STMT_BEGIN_IMMEDIATE] = "BEGIN IMMEDIATE",
    [STMT_COMMIT] = "COMMIT",
    [STMT_UPSERT] = "INSERT INTO objects (region, kind, id, body) VALUES (?1, ?2, ?3, ?4) "
		    "ON CONFLICT (region, id) DO UPDATE SET kind = excluded.kind, "
		    "body = excluded.body",
    [STMT_DELETE] = "DELETE FROM objects WHERE region = ?1 AND id = ?2",
    [STMT_DATA_VERSION] = "PRAGMA data_version",
    [STMT_SAVEPOINT] = "SAVEPOINT save",
    [STMT_RELEASE] = "RELEASE save",
    [STMT_ROLLBACK_TO] = "ROLLBACK TO save",
};

static int stmt_get(struct store *s, enum store_stmt i, sqlite3_stmt **ret_stmt)
{
	_Static_assert(STMT__COUNT <= sizeof(s->stmts) / sizeof(s->stmts[0]), "stmts[] too small");
	if (!s->stmts[i]) {
		int rc = sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
					    &s->stmts[i], NULL);

		if (rc != SQLITE_OK) {
			s->stmts[i] = NULL;
			return sqlite_errno(rc);
		}
	}
	*ret_stmt = s->stmts[i];
	return 0;
}

/* Run a cached statement that returns no rows (BEGIN IMMEDIATE, COMMIT). */
static int exec_stmt(struct store *s, enum store_stmt i)
{
	sqlite3_stmt *st = NULL;
	int r = stmt_get(s, i, &st);

	return r < 0 ? r : step_done(s->db, st, NULL);
}

static int pragma_int(sqlite3 *db, const char *sql, long long *ret_value)
{
	sqlite3_stmt *st;
	int r, rc;

	r = prepare(db, sql, &st);
	if (r < 0)
		return r;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*ret_value = sqlite3_column_int64(st, 0);
	else
		r = sqlite_errno(sqlite3_extended_errcode(db));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : (r < 0 ? r : -EIO);
}

/*
 * Another connection (another process, or a second struct store) committed
 * since we last looked: our maps may no longer mirror the file, so drop them
 * all; they are rebuilt from disk on next use.
 */
static int check_external_changes(struct store *s)
{
	sqlite3_stmt *st = NULL;
	long long v = 0;
	int r = stmt_get(s, STMT_DATA_VERSION, &st), rc;

	if (r < 0)
		return r;
	/* Cached statement (every save asks): step, read, reset. */
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else
		r = sqlite_errno(sqlite3_extended_errcode(s->db));
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return r < 0 ? r : -EIO;
	if (v != s->data_version) {
		for (size_t i = 0; i < s->n_regions; i++)
			map_clear(&s->regions[i]);
		s->data_version = v;
	}
	return 0;
}

/* ---- a save's transaction ------------------------------------------------ */

/*
 * The open batch is gone (rolled back): nothing of it is on disk, and the
 * maps may hold its rows.  With report, store_commit() fails once to say so
 * (when the batch held a save).
 */
static void batch_drop(struct store *s, bool report)
{
	for (size_t i = 0; i < s->n_regions; i++)
		map_clear(&s->regions[i]);
	if (report && s->batch_dirty)
		atomic_store(&s->batch_lost, true);
	s->batch_dirty = false;
	s->in_savepoint = false;
	atomic_store(&s->batch_open, false);
}

/*
 * Begin a save or token put: BEGIN IMMEDIATE (the write lock), then notice
 * other connections' commits.  In batch mode, the batch transaction is begun
 * here when none is open; a save of several statements then takes a
 * savepoint in it (txn_savepoint).
 */
static int txn_begin(struct store *s)
{
	int r;

	if (s->batching && atomic_load(&s->batch_open) && sqlite3_get_autocommit(s->db))
		batch_drop(s, true); /* SQLite ended it under a failing statement */
	if (s->batching && atomic_load(&s->batch_lost))
		return -EIO; /* until store_commit() reported it */
	if (!s->batching || !atomic_load(&s->batch_open)) {
		r = exec_stmt(s, STMT_BEGIN_IMMEDIATE);
		if (r < 0)
			return r;
		r = check_external_changes(s);
		if (r < 0) {
			rollback(s->db);
			return r;
		}
		if (!s->batching)
			return 0;
		s->batch_dirty = false;
		atomic_store(&s->batch_open, true);
	}
	s->in_savepoint = false;
	return 0;
}

/*
 * In batch mode, a save of more than one statement first takes a SAVEPOINT,
 * so that a failure between its statements undoes the save alone.  A save of
 * one statement needs none (two statements fewer per request): a statement
 * that fails leaves no trace of itself, or SQLite ends the whole transaction
 * (which txn_rollback() and the next txn_begin() notice), as with a
 * savepoint.  A failure here goes through txn_rollback().
 */
static int txn_savepoint(struct store *s)
{
	int r;

	if (!s->batching)
		return 0;
	r = exec_stmt(s, STMT_SAVEPOINT);
	if (r == 0)
		s->in_savepoint = true;
	return r;
}

/* The save succeeded: COMMIT, or in batch mode release its savepoint. */
static int txn_commit(struct store *s)
{
	int r;

	if (!s->batching) {
		r = exec_stmt(s, STMT_COMMIT);
		if (r == 0)
			committed(s);
		return r;
	}
	if (s->in_savepoint) {
		r = exec_stmt(s, STMT_RELEASE);
		if (r < 0)
			return r; /* txn_rollback() rolls back to it */
		s->in_savepoint = false;
	}
	s->batch_dirty = true;
	return 0;
}

/*
 * Undo the save: ROLLBACK, or in batch mode roll back its savepoint alone,
 * if it took one (and end the batch when it holds nothing else).
 */
static void txn_rollback(struct store *s)
{
	if (!s->batching) {
		rollback(s->db);
		return;
	}
	if (!atomic_load(&s->batch_open))
		return;
	if (sqlite3_get_autocommit(s->db)) {
		/* SQLite ended the whole transaction (I/O error, full disk, ...). */
		batch_drop(s, true);
		return;
	}
	if (s->in_savepoint &&
	    (exec_stmt(s, STMT_ROLLBACK_TO) < 0 || exec_stmt(s, STMT_RELEASE) < 0)) {
		rollback(s->db);
		batch_drop(s, true);
		return;
	}
	s->in_savepoint = false;
	if (!s->batch_dirty) {
		rollback(s->db);
		atomic_store(&s->batch_open, false);
	}
}

static int user_version(sqlite3 *db, int *ret_version)
{
	sqlite3_stmt *st;
	int r, rc;

	r = prepare(db, "PRAGMA user_version", &st);
	if (r < 0)
		return r;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*ret_version = sqlite3_column_int(st, 0);
	else
		r = sqlite_errno(rc);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : (r < 0 ? r : -EIO);
}

static int migrate(sqlite3 *db)
{
	int version, r;

	r = user_version(db, &version);
	if (r < 0)
		return r;
	if (version > STORE_SCHEMA_VERSION)
		return -EPROTO;
	while (version < STORE_SCHEMA_VERSION) {
		char sql[64];

		r = exec(db, "BEGIN IMMEDIATE");
		if (r < 0)
			return r;
		/* Another process may have migrated meanwhile: read again under the lock. */
		r = user_version(db, &version);
		if (r < 0)
			goto err_rollback;
		if (version > STORE_SCHEMA_VERSION) {
			r = -EPROTO;
			goto err_rollback;
		}
		if (version == STORE_SCHEMA_VERSION) {
			rollback(db);
			break;
		}
		if (version < 0) {
			r = -EPROTO;
			goto err_rollback;
		}
		r = exec(db, migrations[version]);
		if (r < 0)
			goto err_rollback;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version + 1);
		r = exec(db, sql);
		if (r < 0)
			goto err_rollback;
		r = exec(db, "COMMIT");
		if (r < 0)
			goto err_rollback;
		version++;
	}
	return 0;

err_rollback:
	rollback(db);
	return r == -EEXIST ? -EIO : r;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* ---- open / close -------------------------------------------------------- */

int store_open(const char *state_dir, struct store **ret_store)
{
	struct store *s;
	struct stat st;
	sqlite3_stmt *stmt;
	char *path;
	int r, rc;

	if (!state_dir || !state_dir[0] || !ret_store)
		return -EINVAL;
	if (stat(state_dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (access(state_dir, W_OK | X_OK) < 0)
		return -EACCES;
	if (asprintf(&path, "%s/%s", state_dir, STORE_DB_NAME) < 0)
		return -ENOMEM;
	s = calloc(1, sizeof(*s));
	if (!s) {
		r = -ENOMEM;
		goto err_path;
	}
	s->token_limit = STORE_TOKENS_MAX;
	s->wal_fd = -1;
	pthread_mutex_init(&s->sync_lock, NULL);
	pthread_cond_init(&s->sync_done, NULL);
	if (asprintf(&s->wal_path, "%s-wal", path) < 0) {
		s->wal_path = NULL;
		r = -ENOMEM;
		goto err_store;
	}
	rc = sqlite3_open_v2(path, &s->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
				 SQLITE_OPEN_EXRESCODE,
			     NULL);
	if (rc != SQLITE_OK) {
		r = sqlite_errno(rc);
		goto err_store;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);

	/* WAL must really be on: the durability argument depends on it. */
	r = prepare(s->db, "PRAGMA journal_mode = WAL", &stmt);
	if (r < 0)
		goto err_store;
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW)
		r = sqlite_errno(sqlite3_extended_errcode(s->db));
	else if (strcmp((const char *)sqlite3_column_text(stmt, 0), "wal") != 0)
		r = -EIO;
	sqlite3_finalize(stmt);
	if (r < 0)
		goto err_store;
	r = exec(s->db, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON");
	if (r < 0)
		goto err_store;
	r = migrate(s->db);
	if (r < 0)
		goto err_store;
	/* The database and WAL files may be new: make their directory entries durable. */
	r = fsync_dir(state_dir);
	if (r < 0)
		goto err_store;
	r = pragma_int(s->db, "PRAGMA data_version", &s->data_version);
	if (r < 0)
		goto err_store;
	s->db_path = path;
	*ret_store = s;
	return 0;

err_store:
	store_close(s);
err_path:
	free(path);
	return r;
}

struct store *store_close(struct store *s)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < s->n_regions; i++)
		map_clear(&s->regions[i]);
	free(s->regions);
	/* Before the last connection closes (which checkpoints and removes the WAL). */
	s->ckpt = store_checkpointer_stop(s->ckpt);
	for (size_t i = 0; i < STMT__COUNT; i++)
		sqlite3_finalize(s->stmts[i]);
	sqlite3_close_v2(s->db);
	if (s->wal_fd >= 0)
		close(s->wal_fd);
	free(s->wal_path);
	free(s->db_path);
	pthread_cond_destroy(&s->sync_done);
	pthread_mutex_destroy(&s->sync_lock);
	free(s);
	return NULL;
}

int store_set_group_commit(struct store *s)
{
	int fd, r;

	if (!s)
		return -EINVAL;
	if (s->wal_fd >= 0)
		return 0;
	/* The WAL exists while the connection is open in WAL mode (created on open). */
	fd = open(s->wal_path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = exec(s->db, "PRAGMA synchronous = NORMAL");
	if (r < 0) {
		close(fd);
		return r;
	}
	s->wal_fd = fd;
	return 0;
}

static int wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct store *s = arg;

	if (pages < s->ckpt_mark) /* the WAL started over */
		s->ckpt_mark = 0;
	if (pages >= s->ckpt_restart_pages) {
		/*
		 * No more kicks until the WAL starts over: while a background
		 * checkpoint runs this one finds the lock taken, and is tried
		 * again at the next commit (also when a reader kept it from
		 * copying everything).
		 */
		(void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	} else if (pages - s->ckpt_mark >= s->ckpt_pages) {
		s->ckpt_mark = pages;
		store_checkpointer_kick(s->ckpt);
	}
	return SQLITE_OK;
}

int store_set_background_checkpoints(struct store *s, unsigned pages)
{
	int r;

	if (!s || pages > STORE_CHECKPOINT_PAGES)
		return -EINVAL;
	if (s->ckpt)
		return 0;
	r = store_checkpointer_start(s->db_path, &s->ckpt);
	if (r < 0)
		return r;
	s->ckpt_pages = pages ? (int)pages : STORE_CHECKPOINT_PAGES;
	s->ckpt_restart_pages = s->ckpt_pages * STORE_CHECKPOINT_RESTART;
	/* Replaces SQLite's automatic checkpoints (also a WAL hook). */
	sqlite3_wal_hook(s->db, wal_hook, s);
	return 0;
}

int store_checkpoint(struct store *s)
{
	if (!s || !s->ckpt)
		return -EINVAL;
	return store_checkpointer_run(s->ckpt);
}

uint64_t store_checkpoint_count(struct store *s)
{
	return s ? store_checkpointer_count(s->ckpt) : 0;
}

int store_set_no_fsync(struct store *s)
{
	if (!s || s->wal_fd < 0)
		return -EINVAL;
	s->no_fsync = true;
	return 0;
}

int store_sync(struct store *s)
{
	uint64_t target, covers;
	int r;

	if (!s)
		return -EINVAL;
	if (s->wal_fd < 0 || s->no_fsync)
		return 0;
	target = atomic_load(&s->commits);
	pthread_mutex_lock(&s->sync_lock);
	while (!s->sync_error && s->synced < target) {
		if (s->syncing) {
			pthread_cond_wait(&s->sync_done, &s->sync_lock);
			continue;
		}
		s->syncing = true;
		covers = atomic_load(&s->commits); /* all of these are in the kernel */
		pthread_mutex_unlock(&s->sync_lock);
		r = fdatasync(s->wal_fd) < 0 ? -errno : 0;
		pthread_mutex_lock(&s->sync_lock);
		s->syncing = false;
		s->n_syncs++;
		if (r < 0)
			s->sync_error = -EIO;
		else if (covers > s->synced)
			s->synced = covers;
		pthread_cond_broadcast(&s->sync_done);
	}
	r = s->sync_error;
	pthread_mutex_unlock(&s->sync_lock);
	return r;
}

int store_set_batch(struct store *s)
{
	if (!s || s->wal_fd < 0)
		return -EINVAL;
	s->batching = true;
	return 0;
}

int store_commit(struct store *s)
{
	int r;

	if (!s)
		return -EINVAL;
	if (atomic_exchange(&s->batch_lost, false))
		return -EIO;
	if (!atomic_load(&s->batch_open))
		return 0;
	r = exec_stmt(s, STMT_COMMIT);
	if (r < 0) {
		rollback(s->db);
		batch_drop(s, false); /* reported here */
		return r;
	}
	committed(s); /* counted before the batch stops showing as pending */
	s->batch_dirty = false;
	atomic_store(&s->batch_open, false);
	return 0;
}

bool store_sync_pending(struct store *s)
{
	bool pending;

	if (!s || s->wal_fd < 0)
		return false;
	if (atomic_load(&s->batch_open) || atomic_load(&s->batch_lost))
		return true;
	if (s->no_fsync)
		return false;
	pthread_mutex_lock(&s->sync_lock);
	pending = s->sync_error || s->synced < atomic_load(&s->commits);
	pthread_mutex_unlock(&s->sync_lock);
	return pending;
}

uint64_t store_sync_count(struct store *s)
{
	uint64_t n;

	pthread_mutex_lock(&s->sync_lock);
	n = s->n_syncs;
	pthread_mutex_unlock(&s->sync_lock);
	return n;
}

void store_set_token_limit(struct store *s, size_t limit)
{
	s->token_limit = limit ? limit : 1;
}

size_t store_last_save_changes(const struct store *s)
{
	return s->last_changes;
}

bool store_last_save_hint_unplaced(const struct store *s)
{
	return s->last_hint_unplaced;
}

/* ---- Regions --------------------------------------------------------------- */

static bool region_valid(const char *region)
{
	return region && region[0] && strlen(region) < MODEL_AZ_LEN;
}

int store_list_regions(struct store *s, char ***ret_regions, size_t *ret_count)
{
	char **regions = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st;
	int r, rc;

	if (!s || !ret_regions || !ret_count)
		return -EINVAL;
	r = prepare(s->db, "SELECT region FROM regions ORDER BY region", &st);
	if (r < 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char *name = column_strdup(st, 0);

		if (!name || n >= STORE_REGIONS_MAX ||
		    util_grow((void **)&regions, &cap, n + 1, sizeof(*regions)) < 0) {
			free(name);
			r = n >= STORE_REGIONS_MAX ? -E2BIG : -ENOMEM;
			goto err;
		}
		regions[n++] = name;
	}
	if (rc != SQLITE_DONE) {
		r = sqlite_errno(sqlite3_extended_errcode(s->db));
		goto err;
	}
	sqlite3_finalize(st);
	*ret_regions = regions;
	*ret_count = n;
	return 0;

err:
	sqlite3_finalize(st);
	for (size_t i = 0; i < n; i++)
		free(regions[i]);
	free(regions);
	return r;
}

/*
 * Rebuild rm from the database.  When m is non-NULL, also deserialise every
 * row into it (a load); otherwise only hash the rows (a save that finds its
 * Region not yet loaded).  On failure rm is left cleared.
 */
static int region_read(struct store *s, struct region_map *rm, struct model *m)
{
	size_t n_kinds;
	const struct store_kind *kinds = store_kinds(&n_kinds);
	sqlite3_stmt *st = NULL;
	int r, rc;

	map_clear(rm);
	r = prepare(s->db, "SELECT account_id FROM regions WHERE region = ?1", &st);
	if (r < 0)
		return r;
	r = BIND(st, 1, rm->region);
	if (r < 0)
		goto out;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *account = (const char *)sqlite3_column_text(st, 0);

		if (!account || util_strscpy(rm->account_id, account, sizeof(rm->account_id)) < 0) {
			r = -EPROTO;
			goto out;
		}
	} else if (rc != SQLITE_DONE) {
		r = sqlite_errno(sqlite3_extended_errcode(s->db));
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (m && rm->account_id[0])
		util_strscpy(m->account_id, rm->account_id, sizeof(m->account_id));

	r = prepare(s->db, "SELECT kind, id, body FROM objects WHERE region = ?1 ORDER BY rowid",
		    &st);
	if (r < 0)
		goto out;
	r = BIND(st, 1, rm->region);
	if (r < 0)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 0);
		const char *id = (const char *)sqlite3_column_text(st, 1);
		const char *body = (const char *)sqlite3_column_text(st, 2);
		size_t length = (size_t)sqlite3_column_bytes(st, 2);
		const struct store_kind *k = store_kind_find(kind);
		struct store_fp fp = {0, 0};
		size_t slot;

		if (!k || !id || !body || strlen(id) >= MODEL_ID_LEN ||
		    map_find(rm, id) != SIZE_MAX) {
			r = -EPROTO;
			goto out;
		}
		if (m) {
			json_error_t jerr;
			json_t *json = json_loadb(body, length, JSON_REJECT_DUPLICATES, &jerr);

			if (!json) {
				r = -EPROTO;
				goto out;
			}
			r = k->deserialize(json, m);
			json_decref(json);
			if (r < 0)
				goto out;
			/* The row's key and the body's ID must agree. */
			if (strcmp(k->id(m, k->count(m) - 1), id) != 0) {
				r = -EPROTO;
				goto out;
			}
			fp = k->fingerprint(m, k->count(m) - 1);
		}
		slot = map_insert(rm, id);
		if (slot == SIZE_MAX) {
			r = rm->n >= STORE_OBJECTS_MAX ? -E2BIG : -ENOMEM;
			goto out;
		}
		rm->slots[slot].kind = (uint16_t)(k - kinds);
		rm->slots[slot].length = length;
		rm->slots[slot].fp_valid = m != NULL;
		rm->slots[slot].fp = fp;
		body_hash(body, length, &rm->slots[slot].h1, &rm->slots[slot].h2);
	}
	if (rc != SQLITE_DONE) {
		r = sqlite_errno(sqlite3_extended_errcode(s->db));
		goto out;
	}
	rm->loaded = true;
	r = 0;
	(void)n_kinds;
out:
	sqlite3_finalize(st);
	if (r < 0)
		map_clear(rm);
	return r;
}

int store_load_region(struct store *s, const char *account_id, const char *region,
		      struct model **ret_model)
{
	struct region_map *rm;
	struct model *m;
	bool own;
	int r;

	if (!s || !region_valid(region) || !ret_model)
		return -EINVAL;
	if (account_id && strlen(account_id) >= MODEL_ACCOUNT_LEN)
		return -EINVAL;
	r = check_external_changes(s);
	if (r < 0)
		return r;
	r = region_map_get(s, region, &rm);
	if (r < 0)
		return r;
	m = model_new(account_id, region);
	if (!m)
		return -ENOMEM;
	/*
	 * One read transaction: a consistent snapshot of the Region (in an open
	 * batch: the batch's own view, every released save included).
	 */
	own = sqlite3_get_autocommit(s->db);
	if (own) {
		r = exec(s->db, "BEGIN");
		if (r < 0)
			goto err_model;
	}
	r = region_read(s, rm, m);
	if (own)
		rollback(s->db);
	if (r < 0)
		goto err_model;
	*ret_model = m;
	return 0;

err_model:
	model_free(m);
	return r;
}

/* ---- save -------------------------------------------------------------- */

struct pending_write {
	size_t slot; /* resolved again after the commit: slots may move */
	uint16_t kind;
	const char *id;
	char *body;
	size_t length;
	uint64_t h1, h2;
	struct store_fp fp;
};

struct save_token {
	const char *token;
	const char *param_hash;
	const char *response;
};

static int token_check(const char *region, const char *token, const char *param_hash,
		       const char *response)
{
	if (!region_valid(region) || !token || !token[0] ||
	    strlen(token) > STORE_TOKEN_MAX_LENGTH || !param_hash ||
	    strlen(param_hash) > STORE_PARAM_HASH_MAX_LENGTH || !response ||
	    strlen(response) > STORE_TOKEN_RESPONSE_MAX)
		return -EINVAL;
	return 0;
}

/* Insert a token and prune the Region's oldest beyond the limit (inside a transaction). */
static int token_insert(struct store *s, const char *region, const struct save_token *t)
{
	struct region_map *rm;
	sqlite3_stmt *st;
	int r;

	r = prepare(
	    s->db,
	    "INSERT INTO tokens (region, token, param_hash, response) VALUES (?1, ?2, ?3, ?4)",
	    &st);
	if (r < 0)
		return r;
	if ((r = BIND(st, 1, region)) == 0 && (r = BIND(st, 2, t->token)) == 0 &&
	    (r = BIND(st, 3, t->param_hash)) == 0 && (r = BIND(st, 4, t->response)) == 0)
		r = step_done(s->db, st, NULL);
	sqlite3_finalize(st);
	if (r < 0)
		return r;
	/*
	 * Pruning walks `limit` index entries, so it runs every limit/64 puts
	 * (every put for small limits): a Region holds at most limit + limit/64
	 * tokens and a put costs O(1) amortised.
	 */
	r = region_map_get(s, region, &rm);
	if (r < 0)
		return r;
	if (++rm->token_puts < UTIL_MAX(s->token_limit / 64, (size_t)1))
		return 0;
	rm->token_puts = 0;
	r = prepare(s->db,
		    "DELETE FROM tokens WHERE region = ?1 AND seq <= (SELECT seq FROM tokens "
		    "WHERE region = ?1 ORDER BY seq DESC LIMIT 1 OFFSET ?2)",
		    &st);
	if (r < 0)
		return r;
	r = BIND(st, 1, region);
	if (r == 0)
		r = sqlite_errno(sqlite3_bind_int64(st, 2, (sqlite3_int64)s->token_limit));
	if (r == 0)
		r = step_done(s->db, st, NULL);
	sqlite3_finalize(st);
	return r;
}

/*
 * Compare the i-th object of kind k with its stored row and, when the row
 * must change, append it to *writes (the body serialised).  An unchanged
 * fingerprint means unchanged content; otherwise serialise and compare the
 * text.  Marks the object's map entry with epoch; an entry already marked
 * is a second object with the same ID (-EEXIST), or, with dup_ok (a hinted
 * save listing one ID twice), the same object again and skipped.
 */
static int save_consider(struct region_map *rm, const struct model *m, const struct store_kind *kinds,
			 size_t k, size_t i, uint32_t epoch, bool dup_ok,
			 struct pending_write **writes, size_t *n_writes, size_t *cap_writes)
{
	const char *id = kinds[k].id(m, i);
	struct pending_write w = {.kind = (uint16_t)k, .id = id};
	struct region_entry *e = NULL;
	size_t slot;
	int r;

	slot = map_find(rm, id);
	if (slot != SIZE_MAX) {
		e = &rm->slots[slot];
		if (e->mark == epoch)
			return dup_ok ? 0 : -EEXIST; /* (region, id) is the key */
		w.fp = kinds[k].fingerprint(m, i);
		if (!e->pending && e->kind == k && e->fp_valid && store_fp_equal(e->fp, w.fp)) {
			e->mark = epoch;
			return 0;
		}
	} else {
		w.fp = kinds[k].fingerprint(m, i);
	}
	r = kinds[k].serialize_text(m, i, &w.body, &w.length);
	if (r < 0)
		return r;
	body_hash(w.body, w.length, &w.h1, &w.h2);
	if (!e) {
		slot = map_insert(rm, id);
		if (slot == SIZE_MAX) {
			free(w.body);
			return rm->n >= STORE_OBJECTS_MAX ? -E2BIG : -ENOMEM;
		}
		e = &rm->slots[slot];
		e->pending = true;
	} else if (e->kind == k && e->length == w.length && e->h1 == w.h1 && e->h2 == w.h2) {
		/* Same text as stored: only remember the new digest. */
		e->fp = w.fp;
		e->fp_valid = true;
		e->mark = epoch;
		free(w.body);
		return 0;
	}
	e->mark = epoch;
	if (util_grow((void **)writes, cap_writes, *n_writes + 1, sizeof(**writes)) < 0) {
		free(w.body);
		return -ENOMEM;
	}
	(*writes)[(*n_writes)++] = w;
	return 0;
}

/*
 * A hinted save: what became of every ID in ids.  An ID stored as a row of
 * rm is found in the model under its stored kind (changed, or unchanged) or
 * is gone from it (deleted); an ID not stored is looked up in every kind
 * (created).  false when an ID is neither (one that is never a row, such as
 * a security group rule's sgr-), when a stored row's kind cannot be looked
 * up, or for an ID still pending: then the caller falls back to a full save.
 */
struct hinted {
	size_t k, i;
	bool deleted; /* stored, no longer in the model: k is the stored kind */
};

static bool find_in_kind(const struct model *m, const struct store_kind *kind, const char *id,
			 size_t *ret_i)
{
	size_t n = kind->count(m);

	for (size_t i = 0; i < n; i++)
		if (strcmp(kind->id(m, i), id) == 0) {
			*ret_i = i;
			return true;
		}
	return false;
}

static bool resolve_hint(const struct region_map *rm, const struct model *m,
			 const struct store_kind *kinds, size_t n_kinds, const char *const *ids,
			 size_t n_ids, struct hinted *ret)
{
	for (size_t j = 0; j < n_ids; j++) {
		size_t slot, k, i;

		if (!ids[j])
			return false;
		slot = map_find(rm, ids[j]);
		if (slot != SIZE_MAX) {
			if (rm->slots[slot].pending)
				return false;
			k = rm->slots[slot].kind;
			if (k >= n_kinds)
				return false;
			ret[j] = (struct hinted){k, 0, !find_in_kind(m, &kinds[k], ids[j], &i)};
			if (!ret[j].deleted)
				ret[j].i = i;
			continue;
		}
		for (k = 0; k < n_kinds; k++)
			if (find_in_kind(m, &kinds[k], ids[j], &i))
				break;
		if (k == n_kinds)
			return false;
		ret[j] = (struct hinted){k, i, false};
	}
	return true;
}

/* At most this many IDs in a hint (more: a full save). */
#define STORE_HINT_MAX 1000

static int save_region(struct store *s, const struct model *m, const struct save_token *token,
		       const char *const *hint_ids, size_t n_hint_ids)
{
	size_t n_kinds, n_writes = 0, cap_writes = 0, n_deletes = 0, cap_deletes = 0;
	size_t changes = 0;
	const struct store_kind *kinds = store_kinds(&n_kinds);
	struct pending_write *writes = NULL;
	char(*deletes)[MODEL_ID_LEN] = NULL;
	sqlite3_stmt *upsert = NULL, *del = NULL;
	struct region_map *rm = NULL;
	struct hinted hinted[16]; /* a hint's objects, when few */
	struct hinted *hint = NULL;
	bool account_changed, partial = false, unplaced = false;
	uint32_t epoch;
	int r;

	if (!region_valid(m->region) || !m->account_id[0])
		return -EINVAL;
	/*
	 * Take the write lock first: from here until COMMIT nobody else can
	 * change the file, so the map checked and (re)built below stays true.
	 */
	r = txn_begin(s);
	if (r < 0)
		return r;
	r = region_map_get(s, m->region, &rm);
	if (r < 0)
		goto err_rollback;
	if (!rm->loaded) {
		/*
		 * Never loaded, or another connection wrote: rows besides the
		 * hinted ones may differ from the model, so compare everything.
		 */
		hint_ids = NULL;
		r = region_read(s, rm, NULL);
		if (r < 0)
			goto err_rollback;
	}
	epoch = ++s->epoch;
	if (epoch == 0) {
		/* Wrapped: old marks could look current; clear them all. */
		for (size_t i = 0; i < s->n_regions; i++)
			for (size_t j = 0; j < s->regions[i].cap; j++)
				s->regions[i].slots[j].mark = 0;
		epoch = s->epoch = 1;
	}

	/* 1. Find what differs from the stored rows. */
	if (hint_ids && n_hint_ids && n_hint_ids <= STORE_HINT_MAX) {
		hint = n_hint_ids <= ARRAY_SIZE(hinted) ? hinted : calloc(n_hint_ids, sizeof(*hint));
		if (hint && !resolve_hint(rm, m, kinds, n_kinds, hint_ids, n_hint_ids, hint)) {
			unplaced = true;
			if (hint != hinted)
				free(hint);
			hint = NULL;
		}
	}
	if (hint) {
		/* Only the listed objects may have changed, been created or deleted (store.h). */
		partial = true;
		for (size_t j = 0; j < n_hint_ids && r == 0; j++) {
			if (!hint[j].deleted) {
				r = save_consider(rm, m, kinds, hint[j].k, hint[j].i, epoch, true,
						  &writes, &n_writes, &cap_writes);
				continue;
			}
			if (util_grow((void **)&deletes, &cap_deletes, n_deletes + 1,
				      sizeof(*deletes)) < 0)
				r = -ENOMEM;
			else
				util_strscpy(deletes[n_deletes++], hint_ids[j], MODEL_ID_LEN);
		}
		if (hint != hinted)
			free(hint);
		if (r < 0)
			goto err_rollback;
	} else {
		for (size_t k = 0; k < n_kinds; k++)
			for (size_t i = 0; i < kinds[k].count(m); i++) {
				r = save_consider(rm, m, kinds, k, i, epoch, false, &writes, &n_writes,
						  &cap_writes);
				if (r < 0)
					goto err_rollback;
			}
	}
	/* 2. What is stored but no longer in the model (a full save only). */
	for (size_t j = 0; !partial && j < rm->cap; j++) {
		if (!rm->slots[j].used || rm->slots[j].mark == epoch)
			continue;
		if (util_grow((void **)&deletes, &cap_deletes, n_deletes + 1, sizeof(*deletes)) <
		    0) {
			r = -ENOMEM;
			goto err_rollback;
		}
		memcpy(deletes[n_deletes++], rm->slots[j].id, MODEL_ID_LEN);
	}
	account_changed = strcmp(rm->account_id, m->account_id) != 0;
	if (!n_writes && !n_deletes && !account_changed && !token) {
		/* Nothing to write: end the (empty) transaction, no fsync. */
		txn_rollback(s);
		s->last_changes = 0;
		s->last_hint_unplaced = unplaced;
		free(writes);
		free(deletes);
		return 0;
	}

	/* 3. Write, in the transaction opened above. */
	if (n_writes + n_deletes + account_changed + (token != NULL) > 1) {
		r = txn_savepoint(s);
		if (r < 0)
			goto err_rollback;
	}
	if (account_changed) {
		sqlite3_stmt *st;

		r = prepare(s->db,
			    "INSERT INTO regions (region, account_id) VALUES (?1, ?2) "
			    "ON CONFLICT (region) DO UPDATE SET account_id = excluded.account_id",
			    &st);
		if (r < 0)
			goto err_rollback;
		if ((r = BIND(st, 1, m->region)) == 0 && (r = BIND(st, 2, m->account_id)) == 0)
			r = step_done(s->db, st, NULL);
		sqlite3_finalize(st);
		if (r < 0)
			goto err_rollback;
	}
	if (n_writes) {
		r = stmt_get(s, STMT_UPSERT, &upsert);
		if (r < 0)
			goto err_rollback;
	}
	for (size_t i = 0; i < n_writes; i++) {
		if ((r = BIND(upsert, 1, m->region)) < 0 ||
		    (r = BIND(upsert, 2, kinds[writes[i].kind].name)) < 0 ||
		    (r = BIND(upsert, 3, writes[i].id)) < 0 ||
		    (r = bind_text(upsert, 4, writes[i].body, writes[i].length)) < 0 ||
		    (r = step_done(s->db, upsert, &changes)) < 0)
			goto err_rollback;
	}
	if (n_deletes) {
		r = stmt_get(s, STMT_DELETE, &del);
		if (r < 0)
			goto err_rollback;
	}
	for (size_t i = 0; i < n_deletes; i++) {
		if ((r = BIND(del, 1, m->region)) < 0 || (r = BIND(del, 2, deletes[i])) < 0 ||
		    (r = step_done(s->db, del, &changes)) < 0)
			goto err_rollback;
	}
	if (token) {
		r = token_insert(s, m->region, token);
		if (r < 0)
			goto err_rollback;
	}
	upsert = del = NULL; /* cached: step_done() reset them */
	r = txn_commit(s);
	if (r < 0)
		goto err_rollback;

	/* 4. Committed: the map now mirrors the new rows. */
	for (size_t i = 0; i < n_writes; i++) {
		size_t slot = map_find(rm, writes[i].id);
		struct region_entry *e = &rm->slots[slot];

		e->pending = false;
		e->kind = writes[i].kind;
		e->length = writes[i].length;
		e->h1 = writes[i].h1;
		e->h2 = writes[i].h2;
		e->fp = writes[i].fp;
		e->fp_valid = true;
		free(writes[i].body);
	}
	for (size_t i = 0; i < n_deletes; i++) {
		size_t slot = map_find(rm, deletes[i]);

		if (slot != SIZE_MAX)
			map_remove_at(rm, slot);
	}
	util_strscpy(rm->account_id, m->account_id, sizeof(rm->account_id));
	s->last_changes = changes;
	s->last_hint_unplaced = unplaced;
	free(writes);
	free(deletes);
	return 0;

err_rollback:
	sqlite3_reset(upsert); /* cached statements: reset, not finalised (NULL is fine) */
	sqlite3_reset(del);
	txn_rollback(s);
	for (size_t i = 0; i < n_writes; i++)
		free(writes[i].body);
	free(writes);
	free(deletes);
	/* The map may hold marks and pending IDs: rebuild it from disk next time. */
	if (rm)
		map_clear(rm);
	return r;
}

int store_save_region(struct store *s, const struct model *m)
{
	if (!s || !m)
		return -EINVAL;
	return save_region(s, m, NULL, NULL, 0);
}

int store_save_region_hint(struct store *s, const struct model *m, const char *const *ids,
			   size_t n_ids)
{
	if (!s || !m || (n_ids && !ids))
		return -EINVAL;
	return save_region(s, m, NULL, ids, n_ids);
}

int store_save_region_token(struct store *s, const struct model *m, const char *token,
			    const char *param_hash, const char *response)
{
	struct save_token t = {.token = token, .param_hash = param_hash, .response = response};
	int r;

	if (!s || !m)
		return -EINVAL;
	r = token_check(m->region, token, param_hash, response);
	if (r < 0)
		return r;
	return save_region(s, m, &t, NULL, 0);
}

/* ---- idempotency tokens ---------------------------------------------------- */

int store_token_get(struct store *s, const char *region, const char *token, char **ret_param_hash,
		    char **ret_response)
{
	char *hash = NULL, *response = NULL;
	sqlite3_stmt *st;
	int r, rc;

	if (!s || !region_valid(region) || !token || !ret_param_hash || !ret_response)
		return -EINVAL;
	if (!token[0] || strlen(token) > STORE_TOKEN_MAX_LENGTH)
		return 0; /* could never have been stored */
	r = prepare(
	    s->db, "SELECT param_hash, response FROM tokens WHERE region = ?1 AND token = ?2", &st);
	if (r < 0)
		return r;
	if ((r = BIND(st, 1, region)) < 0 || (r = BIND(st, 2, token)) < 0)
		goto out;
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		r = 0;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		r = sqlite_errno(sqlite3_extended_errcode(s->db));
		goto out;
	}
	hash = column_strdup(st, 0);
	response = column_strdup(st, 1);
	if (!hash || !response) {
		free(hash);
		free(response);
		r = -ENOMEM;
		goto out;
	}
	*ret_param_hash = hash;
	*ret_response = response;
	r = 1;
out:
	sqlite3_finalize(st);
	return r;
}

int store_token_put(struct store *s, const char *region, const char *token, const char *param_hash,
		    const char *response)
{
	struct save_token t = {.token = token, .param_hash = param_hash, .response = response};
	int r;

	if (!s)
		return -EINVAL;
	r = token_check(region, token, param_hash, response);
	if (r < 0)
		return r;
	r = txn_begin(s);
	if (r < 0)
		return r;
	r = token_insert(s, region, &t);
	if (r == 0)
		r = txn_commit(s);
	if (r < 0)
		txn_rollback(s);
	return r;
}
