/*
 * checkpointer: SQLite WAL checkpoints on a thread of their own.
 *
 * SQLite checkpoints the WAL (copies its frames into the database file,
 * fsyncing the WAL before and the database after) inside the COMMIT that
 * takes the WAL over its threshold, so one writer in every few hundred
 * waits for two fsyncs and a burst of database writes.  vpcd commits under
 * its server mutex: every request in flight waited with it.  A
 * checkpointer instead owns a second connection to the same database and
 * runs PASSIVE checkpoints on its own thread when kicked (the store kicks
 * it from its WAL hook once the WAL holds STORE_CHECKPOINT_PAGES pages);
 * a PASSIVE checkpoint never blocks a writer or a reader, and the next
 * write after a complete one starts the WAL over from its beginning.
 * Nothing about durability changes: a checkpoint only moves committed
 * frames, and SQLite recovers from the WAL after a crash at any point.
 *
 * Ownership: store_checkpointer_start() opens the connection and starts the
 * thread; store_checkpointer_stop() ends the thread (after the checkpoint
 * it is running, if any) and closes the connection.  store_checkpointer_kick()
 * may be called from any thread, as often as wanted: kicks while a
 * checkpoint is pending or running are merged into it.
 */
#ifndef OPENVPC_STORE_CHECKPOINTER_H
#define OPENVPC_STORE_CHECKPOINTER_H

#include <stdint.h>

struct store_checkpointer;

/* 0, or a negative errno (the database cannot be opened, no thread). */
int store_checkpointer_start(const char *db_path, struct store_checkpointer **ret_cp);
/* Accepts NULL; returns NULL. */
struct store_checkpointer *store_checkpointer_stop(struct store_checkpointer *cp);
/* Ask for a checkpoint soon; never waits for one. */
void store_checkpointer_kick(struct store_checkpointer *cp);
/*
 * Block until a checkpoint that started after this call has ended; its
 * result: 0, or a negative errno (-EBUSY when SQLite could not take the
 * checkpoint lock).  For tests.
 */
int store_checkpointer_run(struct store_checkpointer *cp);
/* Checkpoints completed without an error so far. */
uint64_t store_checkpointer_count(struct store_checkpointer *cp);

#endif
