/*
 * store: vpcd's durable state, one SQLite database per state directory.
 *
 * What it is.  The store keeps every Region's model (lib/model/model.h) in
 * DIR/vpcd.db, one row per object (region, kind, id, JSON body), plus the
 * idempotency tokens of the EC2 API (ClientToken).  vpcd loads each Region's
 * model at start-up and, after every mutating action, calls
 * store_save_region() before it answers: an action that returned success to
 * the client survives `kill -9` of vpcd and a power cut.
 *
 * Durability.  The database runs in WAL mode with synchronous=FULL: a
 * transaction's commit record is fsynced to the WAL before COMMIT returns.
 * In group-commit mode (store_set_group_commit, what vpcd runs) COMMIT
 * does not fsync and store_sync() does, for every commit before it at once;
 * the caller answers only after store_sync(), so what it acknowledged is
 * as durable as before; after a power cut, saves that no store_sync()
 * covered yet may be missing (whole, never in part).
 * store_save_region() writes one Region's changes in ONE transaction, so
 * after a crash the stored state is exactly the state of the last save that
 * returned 0 (or, if the crash happened inside a save, of that save or the
 * one before it), never a mixture.
 *
 * Cost.  The store remembers, per Region, the hash of the JSON it last wrote
 * for each object and a digest of the object's memory (both rebuilt on
 * load).  A save digests every object, serialises only those whose digest
 * moved, and writes only those whose JSON differs or that disappeared.  A
 * save that changes nothing does not write at all.  A caller that knows
 * which objects a change touched says so (store_save_region_hint) and only
 * those are digested.
 *
 * Schema.  Versioned with PRAGMA user_version and a list of migrations, each
 * applied in its own transaction.  A database written by a newer binary
 * (user_version above what this one knows) is refused with -EPROTO rather
 * than misread.  See docs/storage.md.
 *
 * Ownership and threading.  A struct store owns its SQLite connection and
 * its per-Region hash maps.  It is not thread-safe: vpcd serialises calls.
 * SQLite's locking serialises writers (a writer waits up to the busy timeout
 * and then fails with -EBUSY), and the store notices commits made by other
 * connections (PRAGMA data_version) and rebuilds its hash maps from disk, so
 * a save always makes the file equal to the model it was given.
 *
 * Errors.  Every fallible function returns 0 or a negative errno; ret_*
 * outputs are written only on success.  The store never logs.
 */
#ifndef OPENVPC_STORE_H
#define OPENVPC_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/model/model.h"

/* The schema version this binary writes and the newest it can read. */
#define STORE_SCHEMA_VERSION 1

/* Limits on what a caller may store (bad input gets -EINVAL, not a crash). */
#define STORE_TOKEN_MAX_LENGTH	 64	   /* AWS: ClientToken up to 64 ASCII characters */
#define STORE_TOKEN_RESPONSE_MAX (1 << 20) /* bytes of a remembered response body */
#define STORE_OBJECTS_MAX	 1000000   /* objects per Region */
#define STORE_REGIONS_MAX	 256	   /* Regions per state directory */
#define STORE_TOKENS_MAX	 100000	   /* remembered tokens per Region (oldest dropped) */

struct store;

/*
 * Open STATE_DIR/vpcd.db, creating it when needed: WAL journal,
 * synchronous=FULL, foreign keys on, a busy timeout; then run the schema
 * migrations.  0, or -errno: -EINVAL (bad arguments), -ENOENT or -ENOTDIR
 * (no such directory), -EACCES (not writable), -EIO (I/O error, corrupt
 * file, failed migration), -EPROTO (a newer schema than this binary
 * knows), -EBUSY (locked past the busy timeout), -ENOMEM.
 */
int store_open(const char *state_dir, struct store **ret_store);

/* Close the database and free everything.  Accepts NULL; returns NULL. */
struct store *store_close(struct store *s);

/*
 * The Regions with stored state, sorted.  On success *ret_regions is a
 * heap array of *ret_count heap strings, owned by the caller (free each,
 * then the array); NULL with count 0 when there are none.
 */
int store_list_regions(struct store *s, char ***ret_regions, size_t *ret_count);

/*
 * Load one Region's model.  An empty model (model_new(account_id, region))
 * when nothing is stored for it.  When the Region is stored, the stored
 * account id wins over account_id (which may then be NULL).  The caller owns
 * *ret_model (model_free).  Also rebuilds the Region's hash map so that the
 * next save writes only what changed.  -EPROTO when a stored row does not
 * deserialise (corrupt or foreign data).
 */
int store_load_region(struct store *s, const char *account_id, const char *region,
		      struct model **ret_model);

/*
 * Make the stored state of m's Region (m->region) equal to m, in one
 * transaction, committed and fsynced before returning: insert or update the
 * objects whose serialisation changed since the last save or load, delete
 * the ones no longer in m.  CPU cost is a cheap digest per object
 * (store/fingerprint.h) plus serialising the objects whose digest moved;
 * only changed rows are written, and nothing at all when nothing changed.
 * 0 or -errno (-EEXIST when two objects of m share an ID, -EINVAL when an
 * object cannot be serialised, -EBUSY when another writer holds the lock
 * past the busy timeout); on failure nothing changed on disk and the
 * Region's hash map is rebuilt from disk on next use, so the next save
 * retries everything that is still different.
 */
int store_save_region(struct store *s, const struct model *m);

/*
 * The same when the caller knows that, since the last save of m's Region
 * (by this store), only the objects with IDs ids[0..n_ids) can have
 * changed, been created or been deleted (CreateTags, an ENI's own actions):
 * only those are digested and compared (a stored ID gone from m is deleted,
 * an ID of m not stored is inserted), so the cost of the save no longer
 * grows with the Region (finding a new ID's object scans m's IDs once).
 * Listing an object that did not change costs a digest and writes nothing.
 * An ID that is neither stored nor in m (a security group rule's sgr-, an
 * unknown ID), an unloaded Region or more than 1,000 IDs make it a full
 * store_save_region().  A wrong hint loses writes: pass one only when the
 * change is confined to those objects (vpcd's OPENVPC_VERIFY_SAVE_HINTS
 * checks every hint in the tests).  Same errors as store_save_region().
 */
int store_save_region_hint(struct store *s, const struct model *m, const char *const *ids,
			   size_t n_ids);

/*
 * The same, and in the same transaction remember an idempotency token (as
 * store_token_put()), so that a create and the answer to its retry become
 * durable together or not at all.  -EEXIST (nothing written) when the token
 * is already stored.
 */
int store_save_region_token(struct store *s, const struct model *m, const char *token,
			    const char *param_hash, const char *response);

/*
 * Number of object rows the last successful store_save_region() inserted,
 * updated or deleted (for tests and metrics).
 */
size_t store_last_save_changes(const struct store *s);
/*
 * Whether the last successful save was given a hint naming an ID the store
 * could not place (an object neither in the model nor stored, or NULL): the
 * save fell back to a full one, so it is right but slow, and the hint wrong.
 */
bool store_last_save_hint_unplaced(const struct store *s);

/*
 * Idempotency tokens (ClientToken), per (region, token).  The action name
 * belongs in the caller's parameter hash, so a token reused for another
 * action is a mismatch.
 *
 * store_token_get: 1 and both outputs (heap strings owned by the caller)
 * when the token is known, 0 when it is not (outputs untouched), or -errno.
 * store_token_put: remember the token; 0, -EEXIST when the token is already
 * stored (the first answer stays), -EINVAL for a token longer than
 * STORE_TOKEN_MAX_LENGTH, a parameter hash over 256 characters or a
 * response larger than STORE_TOKEN_RESPONSE_MAX.  A put is durable (fsynced)
 * before it returns.  Only the newest STORE_TOKENS_MAX tokens of a Region are
 * kept (AWS forgets tokens too; up to 1/64 more may linger between prunes).
 */
int store_token_get(struct store *s, const char *region, const char *token, char **ret_param_hash,
		    char **ret_response);
int store_token_put(struct store *s, const char *region, const char *token, const char *param_hash,
		    const char *response);

/* How many tokens per Region to keep (default STORE_TOKENS_MAX; at least 1). */
void store_set_token_limit(struct store *s, size_t limit);

/*
 * Group commit, for a caller that answers several clients at once (vpcd).
 *
 * store_set_group_commit(s) switches the connection to synchronous=NORMAL:
 * COMMIT then writes the WAL without fsyncing it, so a save or token put
 * that returned 0 is atomic and survives `kill -9` of the process (the
 * bytes are in the kernel), but NOT a power cut until store_sync() has
 * returned 0.  The caller must call store_sync() before it tells anyone
 * that a write succeeded.  -ENOENT or -errno when the WAL file cannot be
 * opened (the store then stays in synchronous=FULL mode).
 *
 * store_sync() returns once everything committed before the call is on
 * disk: one fdatasync() of the WAL covers every commit made before it
 * started, so concurrent callers share fsyncs (N waiting writers, about one
 * or two fsyncs).  It is the one store function that may run concurrently
 * with the others (from any thread, without the caller's serialisation);
 * it returns at once when nothing is waiting to be synced, and always 0 in
 * synchronous=FULL mode.  After one failed fdatasync every later call
 * returns -EIO (what reached the disk is unknown; restart to recover).
 */
int store_set_group_commit(struct store *s);
int store_sync(struct store *s);
/*
 * Whether store_sync() would have anything to do: true when a commit is not
 * yet covered by a successful fdatasync, or one failed (store_sync() then
 * returns -EIO); false in synchronous=FULL mode.  Never waits for an
 * fdatasync, so an event loop can ask it and hand the wait to another
 * thread (vpcd's listener suspends the request instead of blocking).
 */
bool store_sync_pending(struct store *s);

/*
 * Batches, on top of group commit (vpcd): store_set_batch(s) makes saves and
 * token puts share one open transaction.  The first one begins it (BEGIN
 * IMMEDIATE: the write lock is held from then on), each runs in a SAVEPOINT
 * of it, and a failing one rolls back its own savepoint alone and reports
 * its own error, as it would alone.  store_commit() COMMITs the batch; then
 * store_sync() makes it durable.  A save that returned 0 is in the batch,
 * not yet in the file: it survives nothing until store_commit() returned 0
 * (kill -9 loses it whole, never in part).  Loads and reads inside a batch
 * see the batch's saves.  store_commit() fails (-EIO, or SQLite's error)
 * when the batch could not be committed or SQLite rolled it back under a
 * failing statement: then none of its saves and puts is stored, the
 * caller's models are ahead of the file and must be reloaded, and the saves
 * after such a rollback fail with -EIO until store_commit() has reported it.
 * store_sync_pending() is true while a batch is open.  Like every function
 * but store_sync(), store_commit() needs the caller's serialisation.
 * store_set_batch: 0, -EINVAL when group commit is not on.  store_commit: 0
 * when nothing is open.
 */
int store_set_batch(struct store *s);
int store_commit(struct store *s);

/* fdatasync()s store_sync() has run so far (for tests and metrics). */
uint64_t store_sync_count(struct store *s);

/*
 * Without power-loss durability (vpcd --no-fsync), on top of group commit:
 * store_sync() then returns at once without an fdatasync, and
 * store_sync_pending() reports only an open batch.  An acknowledged write is
 * then in the WAL in the kernel: it survives kill -9 of the process but not
 * a power cut or a kernel crash, after which the database is still
 * consistent (SQLite's WAL with synchronous=NORMAL: checkpoints still fsync)
 * and holds a prefix of the acknowledged writes.  0, or -EINVAL when group
 * commit is not on.
 */
int store_set_no_fsync(struct store *s);

/*
 * Background checkpoints (vpcd): WAL checkpoints run on a thread and a
 * connection of their own (store/checkpointer.h), kicked each time the WAL
 * has grown by `pages` pages (0: SQLite's automatic threshold, 1000; at most
 * that), instead of inside the COMMIT that crosses the threshold, so writers
 * do not wait for a checkpoint's fsyncs and writes.  Under a steady stream
 * of writes they never catch up with the last commit, and SQLite starts the
 * WAL over only once every frame is copied: the committing connection
 * checkpoints too (the little left) when the WAL holds 16 times `pages`.
 * 0, or a negative errno (the store then keeps SQLite's automatic
 * checkpoints).  store_checkpoint() runs one checkpoint through the thread
 * and waits for it (0, -EBUSY, -EIO; -EINVAL without background
 * checkpoints), for tests; store_checkpoint_count() is how many completed.
 */
int store_set_background_checkpoints(struct store *s, unsigned pages);
int store_checkpoint(struct store *s);
uint64_t store_checkpoint_count(struct store *s);

#endif
