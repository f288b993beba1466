/*
 * checkpointer: see checkpointer.h.
 *
 * State under cp->lock: `pending` (a kick not yet taken by the thread),
 * `stopping`, and the counters (a checkpoint runs while started != ended).  A
 * kick sets `pending` and signals only when neither is set, so a writer
 * committing past the threshold while a checkpoint runs costs one
 * uncontended mutex round trip and no wake-up.  The connection is used by
 * the thread alone (opened NOMUTEX), except in start/stop, before the
 * thread exists and after it ended.
 */
#include "store/checkpointer.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdlib.h>

struct store_checkpointer {
	sqlite3 *db;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake; /* the thread waits for a kick or stop */
	pthread_cond_t done; /* store_checkpointer_run waits for a checkpoint's end */
	bool pending, stopping;
	uint64_t started, ended; /* checkpoints begun / ended (with or without error) */
	uint64_t completed;	 /* ended without error */
	int last_result;
};

static int checkpoint_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
		return 0;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_FULL:
		return -ENOSPC;
	default:
		return -EIO;
	}
}

static void *checkpoint_thread(void *arg)
{
	struct store_checkpointer *cp = arg;

	pthread_mutex_lock(&cp->lock);
	for (;;) {
		int rc, r;

		while (!cp->pending && !cp->stopping)
			pthread_cond_wait(&cp->wake, &cp->lock);
		if (cp->stopping)
			break;
		cp->pending = false;
		cp->started++;
		pthread_mutex_unlock(&cp->lock);
		rc = sqlite3_wal_checkpoint_v2(cp->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		r = checkpoint_errno(rc);
		pthread_mutex_lock(&cp->lock);
		cp->ended++;
		cp->last_result = r;
		if (r == 0)
			cp->completed++;
		pthread_cond_broadcast(&cp->done);
	}
	pthread_mutex_unlock(&cp->lock);
	return NULL;
}

int store_checkpointer_start(const char *db_path, struct store_checkpointer **ret_cp)
{
	struct store_checkpointer *cp;
	int rc, r;

	if (!db_path || !ret_cp)
		return -EINVAL;
	cp = calloc(1, sizeof(*cp));
	if (!cp)
		return -ENOMEM;
	pthread_mutex_init(&cp->lock, NULL);
	pthread_cond_init(&cp->wake, NULL);
	pthread_cond_init(&cp->done, NULL);
	rc = sqlite3_open_v2(db_path, &cp->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
			     NULL);
	if (rc != SQLITE_OK) {
		r = checkpoint_errno(rc) == -EBUSY ? -EBUSY : -EIO;
		goto err;
	}
	/*
	 * The database is in WAL mode (the store made it so); NORMAL keeps
	 * SQLite's fsync of the WAL before a checkpoint copies it and of the
	 * database after, which is what makes a checkpoint safe on power loss.
	 */
	rc = sqlite3_exec(cp->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		r = checkpoint_errno(rc);
		goto err;
	}
	if (pthread_create(&cp->thread, NULL, checkpoint_thread, cp) != 0) {
		r = -EAGAIN;
		goto err;
	}
	*ret_cp = cp;
	return 0;

err:
	sqlite3_close_v2(cp->db);
	pthread_cond_destroy(&cp->done);
	pthread_cond_destroy(&cp->wake);
	pthread_mutex_destroy(&cp->lock);
	free(cp);
	return r < 0 ? r : -EIO;
}

struct store_checkpointer *store_checkpointer_stop(struct store_checkpointer *cp)
{
	if (!cp)
		return NULL;
	pthread_mutex_lock(&cp->lock);
	cp->stopping = true;
	pthread_cond_signal(&cp->wake);
	pthread_mutex_unlock(&cp->lock);
	pthread_join(cp->thread, NULL);
	sqlite3_close_v2(cp->db);
	pthread_cond_destroy(&cp->done);
	pthread_cond_destroy(&cp->wake);
	pthread_mutex_destroy(&cp->lock);
	free(cp);
	return NULL;
}

void store_checkpointer_kick(struct store_checkpointer *cp)
{
	if (!cp)
		return;
	pthread_mutex_lock(&cp->lock);
	if (!cp->pending && cp->started == cp->ended) { /* none pending, none running */
		cp->pending = true;
		pthread_cond_signal(&cp->wake);
	}
	pthread_mutex_unlock(&cp->lock);
}

int store_checkpointer_run(struct store_checkpointer *cp)
{
	uint64_t target;
	int r;

	if (!cp)
		return -EINVAL;
	pthread_mutex_lock(&cp->lock);
	/* The next to start (not one running now, which may have begun before the call). */
	target = cp->started + 1;
	if (!cp->pending) {
		cp->pending = true;
		pthread_cond_signal(&cp->wake);
	}
	while (cp->ended < target)
		pthread_cond_wait(&cp->done, &cp->lock);
	r = cp->last_result;
	pthread_mutex_unlock(&cp->lock);
	return r;
}

uint64_t store_checkpointer_count(struct store_checkpointer *cp)
{
	uint64_t n;

	if (!cp)
		return 0;
	pthread_mutex_lock(&cp->lock);
	n = cp->completed;
	pthread_mutex_unlock(&cp->lock);
	return n;
}
