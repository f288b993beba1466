/*
 * Tests for store: open/close/reopen, migrations, save/load equality,
 * incremental saves (counted with SQLite triggers), failed saves leaving the
 * disk unchanged, corrupt rows, Regions and idempotency tokens.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/store/fixture.h"
#include "tests/unit/store/helpers.h"

static struct store *open_ok(const char *dir)
{
	struct store *s = NULL;

	cr_assert_eq(store_open(dir, &s), 0);
	cr_assert(s);
	return s;
}

Test(store, open_close_reopen)
{
	char *dir = th_tmpdir();
	struct store *s = open_ok(dir);
	struct model *m = model_new("123456789012", "us-east-1"), *m2 = NULL;
	char **regions = NULL;
	size_t n = 99;

	cr_assert_eq(store_list_regions(s, &regions, &n), 0);
	cr_assert_eq(n, 0);
	cr_assert_null(regions);
	FX_SET(model_add_vpc(m)->id, "vpc-1");
	cr_assert_eq(store_save_region(s, m), 0);
	cr_assert_null(store_close(s));
	cr_assert_null(store_close(NULL));

	s = open_ok(dir);
	cr_assert_eq(store_list_regions(s, &regions, &n), 0);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(regions[0], "us-east-1");
	free(regions[0]);
	free(regions);
	cr_assert_eq(store_load_region(s, NULL, "us-east-1", &m2), 0);
	cr_assert_eq(m2->n_vpcs, 1);
	cr_assert_str_eq(m2->vpcs[0]->id, "vpc-1");
	cr_assert_str_eq(m2->account_id, "123456789012");
	model_free(m2);

	/* A Region never stored loads empty, with the caller's account. */
	cr_assert_eq(store_load_region(s, "999999999999", "ap-south-1", &m2), 0);
	cr_assert_eq(th_object_count(m2), 0);
	cr_assert_str_eq(m2->account_id, "999999999999");
	cr_assert_str_eq(m2->region, "ap-south-1");
	model_free(m2);
	store_close(s);

	/* The database is in WAL mode with the current schema. */
	sqlite3 *db = th_db(dir);
	char *mode = th_rows(db, "PRAGMA journal_mode");
	cr_assert_str_eq(mode, "wal\n");
	free(mode);
	cr_assert_eq(th_int(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	sqlite3_close(db);
	model_free(m);
	th_rmdir(dir);
}

Test(store, open_errors)
{
	char *dir = th_tmpdir(), *path;
	struct store *s = NULL;
	int fd;

	cr_assert_eq(store_open(NULL, &s), -EINVAL);
	cr_assert_eq(store_open("", &s), -EINVAL);
	cr_assert_eq(store_open("/nonexistent/openvpc/state", &s), -ENOENT);
	cr_assert_eq(store_open("/dev/null", &s), -ENOTDIR);

	/* A file that is not a database. */
	cr_assert_neq(asprintf(&path, "%s/vpcd.db", dir), -1);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_geq(fd, 0);
	for (int i = 0; i < 64; i++)
		cr_assert_eq(write(fd, "this is not an SQLite database\n", 31), 31);
	close(fd);
	cr_assert_eq(store_open(dir, &s), -EIO);
	cr_assert_null(s);
	unlink(path);
	free(path);

	/* A directory we may not write (meaningless for root, who may). */
	if (geteuid() != 0) {
		cr_assert_eq(chmod(dir, 0500), 0);
		cr_assert_eq(store_open(dir, &s), -EACCES);
		cr_assert_eq(chmod(dir, 0700), 0);
	}
	th_rmdir(dir);
}

Test(store, migrates_an_empty_file)
{
	char *dir = th_tmpdir(), *path;
	struct store *s;
	int fd;

	cr_assert_neq(asprintf(&path, "%s/vpcd.db", dir), -1);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_geq(fd, 0);
	close(fd);
	s = open_ok(dir);
	store_close(s);

	sqlite3 *db = th_db(dir);
	cr_assert_eq(th_int(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	cr_assert_eq(th_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
				"name IN ('regions', 'objects', 'tokens')"),
		     3);
	sqlite3_close(db);
	/* Reopening does not run the migration again (it would fail: tables exist). */
	s = open_ok(dir);
	store_close(s);
	free(path);
	th_rmdir(dir);
}

Test(store, refuses_a_newer_schema)
{
	char *dir = th_tmpdir();
	struct store *s = NULL;
	sqlite3 *db = th_db(dir);
	char sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", STORE_SCHEMA_VERSION + 1);
	th_exec(db, sql);
	cr_assert_eq(store_open(dir, &s), -EPROTO);
	cr_assert_null(s);
	cr_assert_eq(th_int(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION + 1, "untouched");
	cr_assert_eq(th_int(db, "SELECT count(*) FROM sqlite_master"), 0);
	sqlite3_close(db);
	th_rmdir(dir);
}

Test(store, a_failed_migration_changes_nothing)
{
	char *dir = th_tmpdir();
	struct store *s = NULL;
	sqlite3 *db = th_db(dir);

	/* Version 0 with a table in the way of migration 1's third statement. */
	th_exec(db, "CREATE TABLE tokens (x)");
	cr_assert_eq(store_open(dir, &s), -EIO);
	cr_assert_null(s);
	cr_assert_eq(th_int(db, "PRAGMA user_version"), 0);
	cr_assert_eq(th_int(db, "SELECT count(*) FROM sqlite_master WHERE name IN ('regions', "
				"'objects')"),
		     0, "the step's earlier statements were rolled back");
	th_exec(db, "DROP TABLE tokens");
	sqlite3_close(db);
	s = open_ok(dir);
	store_close(s);
	th_rmdir(dir);
}

Test(store, save_then_load_is_equal)
{
	char *dir = th_tmpdir();
	struct store *s = open_ok(dir);
	struct model *m = fx_full_model(), *m2 = NULL;
	char *t1, *t2;

	/* A second object per kind checks that the stored order is kept. */
	FX_SET(model_add_vpc(m)->id, "vpc-00000000000000000");
	FX_SET(model_add_subnet(m)->id, "subnet-000");
	cr_assert_eq(store_save_region(s, m), 0);
	cr_assert_eq(store_last_save_changes(s), th_object_count(m));
	store_close(s);

	s = open_ok(dir);
	cr_assert_eq(store_load_region(s, "000000000000", "eu-west-3", &m2), 0);
	cr_assert_str_eq(m2->account_id, "210987654321", "the stored account wins");
	t1 = th_model_text(m);
	t2 = th_model_text(m2);
	cr_assert_str_eq(t1, t2);
	/* Nothing changed since the load: a save writes nothing. */
	cr_assert_eq(store_save_region(s, m2), 0);
	cr_assert_eq(store_last_save_changes(s), 0);
	free(t1);
	free(t2);
	model_free(m);
	model_free(m2);
	store_close(s);
	th_rmdir(dir);
}

/* Count row writes independently of the store, with triggers. */
static void install_audit(sqlite3 *db)
{
	th_exec(db, "CREATE TABLE audit (op TEXT, id TEXT);"
		    "CREATE TRIGGER audit_i AFTER INSERT ON objects BEGIN "
		    "INSERT INTO audit VALUES ('insert', NEW.id); END;"
		    "CREATE TRIGGER audit_u AFTER UPDATE ON objects BEGIN "
		    "INSERT INTO audit VALUES ('update', NEW.id); END;"
		    "CREATE TRIGGER audit_d AFTER DELETE ON objects BEGIN "
		    "INSERT INTO audit VALUES ('delete', OLD.id); END;");
}

Test(store, incremental_save_writes_only_what_changed)
{
	char *dir = th_tmpdir(), *rows;
	struct store *s = open_ok(dir);
	struct model *m = fx_full_model();
	sqlite3 *db = th_db(dir);
	size_t total = th_object_count(m);

	install_audit(db);
	cr_assert_eq(store_save_region(s, m), 0);
	cr_assert_eq(th_int(db, "SELECT count(*) FROM audit WHERE op = 'insert'"),
		     (long long)total);
	th_exec(db, "DELETE FROM audit");

	/* One object changed, one removed, one added; the rest untouched. */
	cr_assert_eq(model_tags_set(&m->vpcs[0]->tags, "Name", "renamed"), 0);
	cr_assert_eq(model_remove_cgw(m, "cgw-011"), 1);
	FX_SET(model_add_igw(m)->id, "igw-new");
	cr_assert_eq(store_save_region(s, m), 0);
	cr_assert_eq(store_last_save_changes(s), 3);
	rows = th_rows(db, "SELECT op, id FROM audit ORDER BY op, id");
	cr_assert_str_eq(rows, "delete|cgw-011\ninsert|igw-new\nupdate|vpc-0123456789abcdef0\n");
	free(rows);
	rows = th_rows(db, "SELECT body FROM objects WHERE id = 'vpc-0123456789abcdef0'");
	cr_assert(strstr(rows, "\"Name\":\"renamed\""));
	free(rows);
	cr_assert_eq(th_int(db, "SELECT count(*) FROM objects"), (long long)total);

	/* A save with nothing changed writes nothing at all. */
	th_exec(db, "DELETE FROM audit");
	cr_assert_eq(store_save_region(s, m), 0);
	cr_assert_eq(store_last_save_changes(s), 0);
	cr_assert_eq(th_int(db, "SELECT count(*) FROM audit"), 0);

	/* A change inside a nested element (an SG rule's tag) is seen. */
	cr_assert_eq(model_tags_set(&m->sgs[0]->rules[0].tags, "x", "y"), 0);
	cr_assert_eq(store_save_region(s, m), 0);
	rows = th_rows(db, "SELECT op, id FROM audit");
	cr_assert_str_eq(rows, "update|sg-0123\n");
	free(rows);

	/* A change made in place behind a pointer (same address) is seen too. */
	th_exec(db, "DELETE FROM audit");
	m->enis[0]->description[0] = 'P';
	cr_assert_eq(store_save_region(s, m), 0);
	rows = th_rows(db, "SELECT op, id FROM audit");
	cr_assert_str_eq(rows, "update|eni-0123\n");
	free(rows);
	rows = th_rows(db, "SELECT body FROM objects WHERE id = 'eni-0123'");
	cr_assert(strstr(rows, "\"description\":\"Primary interface\""), "%s", rows);
	free(rows);

	sqlite3_close(db);
	model_free(m);
	store_close(s);
	th_rmdir(dir);
}

/* Audit rows (install_audit) after rowid *mark, which moves past them. */
static char *audit_since(sqlite3 *db, long long *mark)
{
	char sql[128];
	char *rows;

	snprintf(sql, sizeof(sql), "SELECT op, id FROM audit WHERE rowid > %lld ORDER BY op, id",
		 *mark);
	rows = th_rows(db, sql);
	*mark = th_int(db, "SELECT coalesce(max(rowid), 0) FROM audit");
	return rows;
}

/* s loads Region region (with its stored account) as m. */
static void loads_as(struct store *s, const char *region, const struct model *m)
{
	struct model *l = NULL;
	char *t1, *t2;

	cr_assert_eq(store_load_region(s, NULL, region, &l), 0);
	t1 = th_model_text(m);
	t2 = th_model_text(l);
	cr_assert_str_eq(t1, t2);
	free(t1);
	free(t2);
	model_free(l);
}

/* Close s, open dir again and check it loads m's Region as m; the new store. */
static struct store *reopen_holds(struct store *s, const char *dir, const struct model *m)
{
	store_close(s);
	s = open_ok(dir);
	loads_as(s, m->region, m);
	return s;
}

Test(store, a_hinted_save_creates_and_deletes_the_listed_objects)
{
	char *dir = th_tmpdir(), *rows;
	struct store *s = open_ok(dir);
	struct model *m = fx_full_model();
	sqlite3 *db = th_db(dir);
	const char *made[] = {"igw-new", "cgw-011", "cgw-011"};
	const char *unknown = "igw-nowhere";
	long long mark = 0;

	install_audit(db);
	cr_assert_eq(store_save_region(s, m), 0);
	free(audit_since(db, &mark));

	/*
	 * An object created and one deleted since the last save, both listed (the
	 * deleted one twice): inserted and deleted; an unlisted change waits.
	 */
	FX_SET(model_add_igw(m)->id, "igw-new");
	cr_assert_eq(model_remove_cgw(m, "cgw-011"), 1);
	cr_assert_eq(model_tags_set(&m->subnets[0]->tags, "Name", "unlisted"), 0);
	cr_assert_eq(store_save_region_hint(s, m, made, 3), 0);
	cr_assert_eq(store_last_save_changes(s), 2);
	cr_assert_not(store_last_save_hint_unplaced(s));
	rows = audit_since(db, &mark);
	cr_assert_str_eq(rows, "delete|cgw-011\ninsert|igw-new\n");
	free(rows);
	cr_assert_eq(th_int(db, "SELECT count(*) FROM objects WHERE id = 'cgw-011'"), 0);

	/* Listed again, the new object is as stored: nothing to write. */
	cr_assert_eq(store_save_region_hint(s, m, made, 1), 0);
	cr_assert_eq(store_last_save_changes(s), 0);

	/* A created object that changes again is an update of its new row. */
	cr_assert_eq(model_tags_set(&m->igws[m->n_igws - 1]->tags, "k", "v"), 0);
	cr_assert_eq(store_save_region_hint(s, m, made, 1), 0);
	rows = audit_since(db, &mark);
	cr_assert_str_eq(rows, "update|igw-new\n");
	free(rows);

	/*
	 * An ID neither stored nor in the model (the deleted one, or one never
	 * seen): a full save, which finds the subnet.
	 */
	cr_assert_eq(store_save_region_hint(s, m, &made[1], 1), 0);
	cr_assert(store_last_save_hint_unplaced(s));
	rows = audit_since(db, &mark);
	cr_assert_str_eq(rows, "update|subnet-0aa\n");
	free(rows);
	cr_assert_eq(model_tags_set(&m->subnets[0]->tags, "Name", "unlisted again"), 0);
	cr_assert_eq(store_save_region_hint(s, m, &unknown, 1), 0);
	rows = audit_since(db, &mark);
	cr_assert_str_eq(rows, "update|subnet-0aa\n");
	free(rows);

	/* The file holds the model. */
	s = reopen_holds(s, dir, m);
	model_free(m);
	sqlite3_close(db);
	store_close(s);
	th_rmdir(dir);
}

Test(store, a_hinted_save_looks_only_at_the_listed_objects)
{
	char *dir = th_tmpdir(), *rows;
	struct store *s = open_ok(dir);
	struct model *m = fx_full_model();
	sqlite3 *db = th_db(dir);
	const char *vpc = m->vpcs[0]->id, *sgr = m->sgs[0]->rules[0].id;
	const char *twice[] = {vpc, vpc};
	long long mark = 0;

	/* The audit reads below do not write: the store sees no other writer. */
	install_audit(db);
	cr_assert_eq(store_save_region(s, m), 0);
	free(audit_since(db, &mark));

	/* The listed object's change is written (an ID listed twice is one object). */
	cr_assert_eq(model_tags_set(&m->vpcs[0]->tags, "Name", "hinted"), 0);
	cr_assert_eq(store_save_region_hint(s, m, twice, 2), 0);
	cr_assert_eq(store_last_save_changes(s), 1);
	rows = audit_since(db, &mark);
	cr_assert_str_eq(rows, "update|vpc-0123456789abcdef0\n");
	free(rows);

	/* What the hint leaves out is not looked at: the subnet's change waits... */
	cr_assert_eq(model_tags_set(&m->subnets[0]->tags, "Name", "unlisted"), 0);
	cr_assert_eq(store_save_region_hint(s, m, &vpc, 1), 0);
	cr_assert_eq(store_last_save_changes(s), 0);
	rows = audit_since(db, &mark);
	cr_assert_str_eq(rows, "");
	free(rows);
	/* ...for the next full save, which finds it. */
	cr_assert_eq(store_save_region(s, m), 0);
	cr_assert_eq(store_last_save_changes(s), 1);
	free(audit_since(db, &mark));

	/* An ID that is not a stored object (an SG rule) makes it a full save. */
	cr_assert_eq(model_tags_set(&m->sgs[0]->rules[0].tags, "k", "v"), 0);
	cr_assert_eq(model_remove_cgw(m, "cgw-011"), 1);
	cr_assert_eq(store_save_region_hint(s, m, &sgr, 1), 0);
	cr_assert(store_last_save_hint_unplaced(s));
	rows = audit_since(db, &mark);
	cr_assert_str_eq(rows, "delete|cgw-011\nupdate|sg-0123\n");
	free(rows);
	cr_assert_eq(store_save_region_hint(s, m, NULL, 1), -EINVAL);

	/* After another connection's write, a hinted save compares everything too. */
	th_exec(db, "DELETE FROM objects WHERE id = 'igw-0ff'");
	cr_assert_eq(store_save_region_hint(s, m, &vpc, 1), 0);
	cr_assert_eq(store_last_save_changes(s), 1);
	cr_assert_not(store_last_save_hint_unplaced(s), "a full save by the store's choice");
	cr_assert_eq(th_int(db, "SELECT count(*) FROM objects WHERE id = 'igw-0ff'"), 1);

	/* The file holds the model. */
	s = reopen_holds(s, dir, m);
	sqlite3_close(db);
	model_free(m);
	store_close(s);
	th_rmdir(dir);
}

Test(store, a_failed_save_leaves_the_disk_unchanged)
{
	char *dir = th_tmpdir(), *before, *after;
	struct store *s = open_ok(dir);
	struct model *m = fx_full_model();
	sqlite3 *db = th_db(dir);
	const char *dump = "SELECT kind, id, body FROM objects ORDER BY rowid";

	cr_assert_eq(store_save_region(s, m), 0);
	before = th_rows(db, dump);
	/* Inject a failure after some rows of the transaction were already written. */
	th_exec(db, "CREATE TRIGGER poison BEFORE INSERT ON objects WHEN NEW.id = 'vpc-poison' "
		    "BEGIN SELECT RAISE(ABORT, 'injected failure'); END;");

	cr_assert_eq(model_tags_set(&m->vpcs[0]->tags, "Name", "changed"), 0); /* update */
	cr_assert_eq(model_remove_subnet(m, "subnet-0aa"), 1);		       /* delete */
	FX_SET(model_add_igw(m)->id, "igw-aaa");			       /* insert */
	FX_SET(model_add_vpc(m)->id, "vpc-poison");			       /* fails */
	cr_assert_lt(store_save_region(s, m), 0);
	after = th_rows(db, dump);
	cr_assert_str_eq(before, after, "the failed save left traces");
	free(after);

	/* Duplicate IDs are refused before anything is written. */
	cr_assert_eq(model_remove_vpc(m, "vpc-poison"), 1);
	FX_SET(model_add_subnet(m)->id, "igw-aaa");
	cr_assert_eq(store_save_region(s, m), -EEXIST);
	after = th_rows(db, dump);
	cr_assert_str_eq(before, after);
	free(after);
	cr_assert_eq(model_remove_subnet(m, "igw-aaa"), 1);

	/* Once the obstacle is gone, the next save writes exactly what differs. */
	th_exec(db, "DROP TRIGGER poison");
	cr_assert_eq(store_save_region(s, m), 0);
	cr_assert_eq(store_last_save_changes(s), 3);
	store_close(s);
	s = open_ok(dir);
	loads_as(s, "eu-west-3", m);
	free(before);
	sqlite3_close(db);
	model_free(m);
	store_close(s);
	th_rmdir(dir);
}

Test(store, save_without_load_deletes_stale_rows)
{
	char *dir = th_tmpdir();
	struct store *s = open_ok(dir);
	struct model *m = model_new("123456789012", "us-west-2"), *m2;
	char id[32];

	for (int i = 0; i < 100; i++) {
		snprintf(id, sizeof(id), "vpc-%03d", i);
		FX_SET(model_add_vpc(m)->id, id);
	}
	cr_assert_eq(store_save_region(s, m), 0);
	store_close(s);

	/* A new process saves a smaller model without loading first. */
	s = open_ok(dir);
	m2 = model_new("123456789012", "us-west-2");
	FX_SET(model_add_vpc(m2)->id, "vpc-050");
	cr_assert_eq(store_save_region(s, m2), 0);
	cr_assert_eq(store_last_save_changes(s), 99, "99 deletes, vpc-050 unchanged");
	model_free(m2);
	cr_assert_eq(store_load_region(s, NULL, "us-west-2", &m2), 0);
	cr_assert_eq(m2->n_vpcs, 1);
	cr_assert_str_eq(m2->vpcs[0]->id, "vpc-050");
	model_free(m2);

	/* Removing then re-adding objects across saves keeps the map consistent. */
	for (int round = 0; round < 3; round++) {
		cr_assert_eq(store_save_region(s, m), 0);
		cr_assert_eq(store_last_save_changes(s), round == 0 ? 99 : 0);
	}
	for (int i = 0; i < 100; i += 2) {
		snprintf(id, sizeof(id), "vpc-%03d", i);
		cr_assert_eq(model_remove_vpc(m, id), 1);
	}
	cr_assert_eq(store_save_region(s, m), 0);
	cr_assert_eq(store_last_save_changes(s), 50);
	cr_assert_eq(store_load_region(s, NULL, "us-west-2", &m2), 0);
	cr_assert_eq(m2->n_vpcs, 50);
	cr_assert_str_eq(m2->vpcs[0]->id, "vpc-001");
	model_free(m2);
	model_free(m);
	store_close(s);
	th_rmdir(dir);
}

Test(store, regions_are_separate)
{
	char *dir = th_tmpdir();
	struct store *s = open_ok(dir);
	struct model *a = model_new("111111111111", "us-east-1");
	struct model *b = model_new("111111111111", "eu-central-1"), *l;
	char **regions;
	size_t n;

	FX_SET(model_add_vpc(a)->id, "vpc-same");
	FX_SET(model_add_vpc(b)->id, "vpc-same"); /* same ID, other Region: fine */
	FX_SET(model_add_igw(b)->id, "igw-b");
	cr_assert_eq(store_save_region(s, a), 0);
	cr_assert_eq(store_save_region(s, b), 0);
	cr_assert_eq(store_list_regions(s, &regions, &n), 0);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(regions[0], "eu-central-1");
	cr_assert_str_eq(regions[1], "us-east-1");
	for (size_t i = 0; i < n; i++)
		free(regions[i]);
	free(regions);
	/* Emptying one Region does not touch the other. */
	cr_assert_eq(model_remove_vpc(a, "vpc-same"), 1);
	cr_assert_eq(store_save_region(s, a), 0);
	cr_assert_eq(store_load_region(s, NULL, "eu-central-1", &l), 0);
	cr_assert_eq(th_object_count(l), 2);
	model_free(l);
	cr_assert_eq(store_load_region(s, NULL, "us-east-1", &l), 0);
	cr_assert_eq(th_object_count(l), 0);
	model_free(l);

	cr_assert_eq(store_load_region(s, NULL, "", &l), -EINVAL);
	cr_assert_eq(store_load_region(s, NULL, "a-region-name-that-is-far-too-long-to-fit", &l),
		     -EINVAL);
	model_free(a);
	model_free(b);
	store_close(s);
	th_rmdir(dir);
}

Test(store, corrupt_rows_are_eproto)
{
	char *dir = th_tmpdir();
	struct store *s = open_ok(dir);
	struct model *m = fx_full_model(), *l = NULL;
	sqlite3 *db = th_db(dir);

	cr_assert_eq(store_save_region(s, m), 0);
	th_exec(db, "UPDATE objects SET body = '{\"id\":' WHERE id = 'igw-0ff'");
	cr_assert_eq(store_load_region(s, NULL, "eu-west-3", &l), -EPROTO);
	cr_assert_null(l);
	th_exec(db, "UPDATE objects SET body = '{\"id\":\"igw-other\"}' WHERE id = 'igw-0ff'");
	cr_assert_eq(store_load_region(s, NULL, "eu-west-3", &l), -EPROTO, "key and body disagree");
	th_exec(db, "UPDATE objects SET body = '{\"id\":\"igw-0ff\"}', kind = 'wormhole' "
		    "WHERE id = 'igw-0ff'");
	cr_assert_eq(store_load_region(s, NULL, "eu-west-3", &l), -EPROTO, "unknown kind");
	th_exec(db, "UPDATE objects SET kind = 'internet-gateway' WHERE id = 'igw-0ff'");
	cr_assert_eq(store_load_region(s, NULL, "eu-west-3", &l), 0);
	cr_assert_eq(l->igws[0]->attachment.vpc_id[0], '\0', "the body we wrote");
	/* The save after the load repairs the row from the model. */
	cr_assert_eq(store_save_region(s, m), 0);
	cr_assert_eq(store_last_save_changes(s), 1);
	model_free(l);
	sqlite3_close(db);
	model_free(m);
	store_close(s);
	th_rmdir(dir);
}

Test(store, idempotency_tokens)
{
	char *dir = th_tmpdir(), *hash = NULL, *resp = NULL;
	struct store *s = open_ok(dir);
	char long_token[STORE_TOKEN_MAX_LENGTH + 2];

	cr_assert_eq(store_token_get(s, "us-east-1", "tok-1", &hash, &resp), 0);
	cr_assert_null(hash);
	cr_assert_eq(store_token_put(s, "us-east-1", "tok-1", "CreateVpc:abc", "<xml>1</xml>"), 0);
	cr_assert_eq(store_token_put(s, "us-east-1", "tok-1", "CreateVpc:def", "<xml>2</xml>"),
		     -EEXIST, "the first answer stays");
	cr_assert_eq(store_token_put(s, "eu-west-1", "tok-1", "CreateVpc:def", "<xml>3</xml>"), 0,
		     "tokens are per Region");
	memset(long_token, 'a', sizeof(long_token) - 1);
	long_token[sizeof(long_token) - 1] = '\0';
	cr_assert_eq(store_token_put(s, "us-east-1", long_token, "h", "r"), -EINVAL);
	cr_assert_eq(store_token_put(s, "us-east-1", "", "h", "r"), -EINVAL);
	cr_assert_eq(store_token_put(s, "us-east-1", "t", NULL, "r"), -EINVAL);
	cr_assert_eq(store_token_get(s, "us-east-1", long_token, &hash, &resp), 0);
	store_close(s);

	s = open_ok(dir);
	cr_assert_eq(store_token_get(s, "us-east-1", "tok-1", &hash, &resp), 1);
	cr_assert_str_eq(hash, "CreateVpc:abc");
	cr_assert_str_eq(resp, "<xml>1</xml>");
	free(hash);
	free(resp);

	/* Only the newest tokens of a Region are kept. */
	store_set_token_limit(s, 3);
	for (int i = 0; i < 5; i++) {
		char t[16];

		snprintf(t, sizeof(t), "t%d", i);
		cr_assert_eq(store_token_put(s, "us-east-1", t, "h", "r"), 0);
	}
	cr_assert_eq(store_token_get(s, "us-east-1", "tok-1", &hash, &resp), 0);
	cr_assert_eq(store_token_get(s, "us-east-1", "t1", &hash, &resp), 0);
	cr_assert_eq(store_token_get(s, "us-east-1", "t2", &hash, &resp), 1);
	free(hash);
	free(resp);
	cr_assert_eq(store_token_get(s, "eu-west-1", "tok-1", &hash, &resp), 1,
		     "other Region kept");
	free(hash);
	free(resp);
	store_close(s);
	th_rmdir(dir);
}

Test(store, save_with_token_is_atomic)
{
	char *dir = th_tmpdir(), *hash = NULL, *resp = NULL;
	struct store *s = open_ok(dir);
	struct model *m = model_new("123456789012", "us-east-1"), *l;

	FX_SET(model_add_vpc(m)->id, "vpc-1");
	cr_assert_eq(store_save_region_token(s, m, "ct-1", "CreateVpc:1", "<vpc-1/>"), 0);
	cr_assert_eq(store_token_get(s, "us-east-1", "ct-1", &hash, &resp), 1);
	cr_assert_str_eq(resp, "<vpc-1/>");
	free(hash);
	free(resp);

	/* Reusing the token fails the whole save: the new VPC is not stored. */
	FX_SET(model_add_vpc(m)->id, "vpc-2");
	cr_assert_eq(store_save_region_token(s, m, "ct-1", "CreateVpc:2", "<vpc-2/>"), -EEXIST);
	cr_assert_eq(store_load_region(s, NULL, "us-east-1", &l), 0);
	cr_assert_eq(l->n_vpcs, 1);
	model_free(l);
	/* And a plain save afterwards still writes it (the map was rebuilt). */
	cr_assert_eq(store_save_region(s, m), 0);
	cr_assert_eq(store_last_save_changes(s), 1);
	model_free(m);
	store_close(s);
	th_rmdir(dir);
}

Test(store, a_batch_commits_its_saves_together_and_a_failed_one_alone)
{
	char *dir = th_tmpdir(), *hash = NULL, *resp = NULL;
	struct store *s = open_ok(dir);
	struct model *m = fx_full_model();
	sqlite3 *db = th_db(dir);
	long long n;

	cr_assert_eq(store_set_batch(s), -EINVAL, "batches need group commit");
	cr_assert_eq(store_set_group_commit(s), 0);
	cr_assert_eq(store_set_batch(s), 0);
	cr_assert(!store_sync_pending(s));
	cr_assert_eq(store_save_region(s, m), 0);
	n = (long long)store_last_save_changes(s);
	cr_assert_gt(n, 10);
	cr_assert(store_sync_pending(s), "an open batch is pending");
	/* Not in the file before store_commit(): another connection sees nothing... */
	cr_assert_eq(th_int(db, "SELECT count(*) FROM objects"), 0);
	/* ...but a load inside the batch sees the batch. */
	loads_as(s, m->region, m);

	/* A second save and a token put join the batch; a failing save fails alone. */
	cr_assert_eq(model_tags_set(&m->vpcs[0]->tags, "Name", "second"), 0);
	cr_assert_eq(store_save_region(s, m), 0);
	cr_assert_eq(store_last_save_changes(s), 1);
	cr_assert_eq(store_token_put(s, m->region, "ct-1", "CreateVpc:1", "<r/>"), 0);
	FX_SET(model_add_igw(m)->id, m->vpcs[0]->id);
	cr_assert_eq(store_save_region(s, m), -EEXIST);
	cr_assert_eq(model_remove_igw(m, m->vpcs[0]->id), 1);
	/* The map of the failed save is rebuilt from the batch: nothing left to write. */
	cr_assert_eq(store_save_region(s, m), 0);
	cr_assert_eq(store_last_save_changes(s), 0);
	cr_assert_eq(th_int(db, "SELECT count(*) FROM objects"), 0);

	cr_assert_eq(store_commit(s), 0);
	cr_assert_eq(th_int(db, "SELECT count(*) FROM objects"), n);
	cr_assert_eq(th_int(db, "SELECT count(*) FROM objects WHERE body LIKE '%second%'"), 1);
	cr_assert_eq(th_int(db, "SELECT count(*) FROM tokens"), 1);
	cr_assert(store_sync_pending(s), "committed, not yet synced");
	cr_assert_eq(store_sync(s), 0);
	cr_assert(!store_sync_pending(s));
	cr_assert_eq(store_commit(s), 0, "nothing open");

	/* A save that changes nothing leaves no batch open. */
	cr_assert_eq(store_save_region(s, m), 0);
	cr_assert_eq(store_last_save_changes(s), 0);
	cr_assert(!store_sync_pending(s));
	/* Another connection's write between batches is noticed when the next one begins. */
	th_exec(db, "DELETE FROM objects WHERE id = 'igw-0ff'");
	cr_assert_eq(store_save_region(s, m), 0);
	cr_assert_eq(store_last_save_changes(s), 1);
	cr_assert_eq(store_commit(s), 0);
	cr_assert_eq(store_sync(s), 0);
	cr_assert_eq(th_int(db, "SELECT count(*) FROM objects WHERE id = 'igw-0ff'"), 1);

	/* After a reopen: the model and the token. */
	s = reopen_holds(s, dir, m);
	cr_assert_eq(store_token_get(s, m->region, "ct-1", &hash, &resp), 1);
	cr_assert_str_eq(resp, "<r/>");
	free(hash);
	free(resp);
	sqlite3_close(db);
	model_free(m);
	store_close(s);
	th_rmdir(dir);
}

/*
 * In a batch, a save of one statement takes no savepoint and one of several
 * does: a failing save of either kind leaves the batch's earlier saves, and
 * nothing of its own, for the commit.
 */
Test(store, a_failed_save_in_a_batch_leaves_the_others_whole)
{
	char *dir = th_tmpdir();
	struct store *s = open_ok(dir);
	struct model *m = fx_full_model();
	sqlite3 *db = th_db(dir);

	cr_assert_eq(store_set_group_commit(s), 0);
	cr_assert_eq(store_set_batch(s), 0);
	cr_assert_eq(store_save_region(s, m), 0);
	cr_assert_eq(store_commit(s), 0);
	th_exec(db, "CREATE TRIGGER poison BEFORE INSERT ON objects WHEN NEW.id = 'igw-poison' "
		    "BEGIN SELECT RAISE(ABORT, 'injected failure'); END;");

	/* One statement, in the batch. */
	cr_assert_eq(model_tags_set(&m->vpcs[0]->tags, "Name", "kept"), 0);
	cr_assert_eq(store_save_region(s, m), 0);
	cr_assert_eq(store_last_save_changes(s), 1);
	/* One statement that fails: the batch goes on. */
	FX_SET(model_add_igw(m)->id, "igw-poison");
	cr_assert_lt(store_save_region(s, m), 0);
	cr_assert(store_sync_pending(s), "the batch is still open");
	/* Two statements (the VPC's row is written first), the second fails: neither stays. */
	cr_assert_eq(model_tags_set(&m->vpcs[0]->tags, "Name", "undone"), 0);
	cr_assert_lt(store_save_region(s, m), 0);
	cr_assert_eq(model_remove_igw(m, "igw-poison"), 1);
	cr_assert_eq(model_tags_set(&m->vpcs[0]->tags, "Name", "kept"), 0);
	/* The maps were rebuilt from the batch: the model is what it holds. */
	cr_assert_eq(store_save_region(s, m), 0);
	cr_assert_eq(store_last_save_changes(s), 0);
	cr_assert_eq(store_commit(s), 0);
	cr_assert_eq(th_int(db, "SELECT count(*) FROM objects WHERE body LIKE '%\"kept\"%'"), 1);
	cr_assert_eq(th_int(db, "SELECT count(*) FROM objects WHERE body LIKE '%undone%'"), 0);
	cr_assert_eq(th_int(db, "SELECT count(*) FROM objects WHERE id = 'igw-poison'"), 0);
	cr_assert_eq(store_sync(s), 0);
	s = reopen_holds(s, dir, m);
	sqlite3_close(db);
	model_free(m);
	store_close(s);
	th_rmdir(dir);
}

Test(store, closing_with_an_open_batch_stores_none_of_it)
{
	char *dir = th_tmpdir();
	struct store *s = open_ok(dir);
	struct model *m = model_new("123456789012", "us-east-1"), *l = NULL;

	cr_assert_eq(store_set_group_commit(s), 0);
	cr_assert_eq(store_set_batch(s), 0);
	FX_SET(model_add_vpc(m)->id, "vpc-1");
	cr_assert_eq(store_save_region(s, m), 0);
	cr_assert_eq(store_commit(s), 0);
	FX_SET(model_add_vpc(m)->id, "vpc-2");
	cr_assert_eq(store_save_region(s, m), 0);
	store_close(s); /* never committed: never acknowledged */
	s = open_ok(dir);
	cr_assert_eq(store_load_region(s, NULL, "us-east-1", &l), 0);
	cr_assert_eq(l->n_vpcs, 1);
	cr_assert_str_eq(l->vpcs[0]->id, "vpc-1");
	model_free(l);
	model_free(m);
	store_close(s);
	th_rmdir(dir);
}

Test(store, another_writer_is_noticed)
{
	char *dir = th_tmpdir();
	struct store *a = open_ok(dir), *b = open_ok(dir);
	struct model *m = fx_full_model(), *other = NULL;

	cr_assert_eq(store_save_region(a, m), 0);
	/* A second connection rewrites the Region behind a's back. */
	cr_assert_eq(store_load_region(b, NULL, "eu-west-3", &other), 0);
	cr_assert_eq(model_remove_vpc(other, "vpc-0123456789abcdef0"), 1);
	cr_assert_eq(model_tags_set(&other->igws[0]->tags, "Name", "b was here"), 0);
	cr_assert_eq(store_save_region(b, other), 0);
	cr_assert_eq(store_last_save_changes(b), 2);

	/* a's model did not change, but the file did: a's save restores it. */
	cr_assert_eq(store_save_region(a, m), 0);
	cr_assert_eq(store_last_save_changes(a), 2);
	loads_as(b, "eu-west-3", m);
	model_free(other);
	model_free(m);
	store_close(a);
	store_close(b);
	th_rmdir(dir);
}

Test(store, a_locked_database_fails_the_save_cleanly, .timeout = 60)
{
	char *dir = th_tmpdir(), *before, *after;
	struct store *s = open_ok(dir);
	struct model *m = fx_full_model();
	sqlite3 *db = th_db(dir);
	const char *dump = "SELECT kind, id, body FROM objects ORDER BY rowid";

	cr_assert_eq(store_save_region(s, m), 0);
	before = th_rows(db, dump);
	/* Another writer holds the lock past the store's busy timeout. */
	th_exec(db, "BEGIN IMMEDIATE");
	cr_assert_eq(model_remove_igw(m, "igw-0ff"), 1);
	cr_assert_eq(store_save_region(s, m), -EBUSY);
	th_exec(db, "ROLLBACK");
	after = th_rows(db, dump);
	cr_assert_str_eq(before, after);
	/* Lock gone: the same save goes through. */
	cr_assert_eq(store_save_region(s, m), 0);
	cr_assert_eq(store_last_save_changes(s), 1);
	loads_as(s, "eu-west-3", m);
	free(before);
	free(after);
	model_free(m);
	sqlite3_close(db);
	store_close(s);
	th_rmdir(dir);
}

Test(store, limits)
{
	char *dir = th_tmpdir(), *big;
	struct store *s = open_ok(dir);
	struct model *m = model_new("123456789012", "us-east-1");
	struct model_vpc *v = model_add_vpc(m);
	size_t size = STORE_TOKEN_RESPONSE_MAX + 2;
	char **regions;
	size_t n;

	/* A response over the limit is refused, one at the limit accepted. */
	big = malloc(size);
	cr_assert(big);
	memset(big, 'x', size - 1);
	big[size - 1] = '\0';
	cr_assert_eq(store_token_put(s, "us-east-1", "big", "h", big), -EINVAL);
	big[STORE_TOKEN_RESPONSE_MAX] = '\0';
	cr_assert_eq(store_token_put(s, "us-east-1", "big", "h", big), 0);
	free(big);

	/* Too many tags on one object: saved fine, refused on load as corrupt. */
	FX_SET(v->id, "vpc-tags");
	for (int i = 0; i <= STORE_SER_TAGS_MAX; i++) {
		char k[16];

		snprintf(k, sizeof(k), "k%d", i);
		cr_assert_eq(model_tags_set(&v->tags, k, "v"), 0);
	}
	cr_assert_eq(store_save_region(s, m), -EINVAL, "what cannot be loaded is not saved");
	cr_assert_eq(model_tags_remove(&v->tags, "k0", NULL), 1);
	cr_assert_eq(store_save_region(s, m), 0);

	/* Regions: a model without a Region or account is refused. */
	m->region[0] = '\0';
	cr_assert_eq(store_save_region(s, m), -EINVAL);
	cr_assert_eq(store_list_regions(s, &regions, &n), 0);
	cr_assert_eq(n, 1);
	free(regions[0]);
	free(regions);
	model_free(m);
	store_close(s);
	th_rmdir(dir);
}

Test(store, token_pruning_is_per_region_and_bounded)
{
	char *dir = th_tmpdir();
	struct store *s = open_ok(dir);
	sqlite3 *db = th_db(dir);
	char t[32];

	/* Limit 128: pruned every 2 puts of a Region, so at most 130 remain. */
	store_set_token_limit(s, 128);
	for (int i = 0; i < 400; i++) {
		snprintf(t, sizeof(t), "t%d", i);
		cr_assert_eq(store_token_put(s, i % 2 ? "us-east-1" : "eu-west-1", t, "h", "r"), 0);
	}
	for (int k = 0; k < 2; k++) {
		long long n =
		    th_int(db, k ? "SELECT count(*) FROM tokens WHERE region = 'us-east-1'"
				 : "SELECT count(*) FROM tokens WHERE region = 'eu-west-1'");

		cr_assert(n >= 128 && n <= 130, "%lld tokens kept", n);
	}
	/* The newest ones are the ones kept. */
	cr_assert_eq(th_int(db, "SELECT count(*) FROM tokens WHERE token = 't399'"), 1);
	cr_assert_eq(th_int(db, "SELECT count(*) FROM tokens WHERE token = 't1'"), 0);
	sqlite3_close(db);
	store_close(s);
	th_rmdir(dir);
}
