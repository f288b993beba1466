/*
 * flowlog-sink: where vpcd's flow-log records go — files laid out the way
 * AWS delivers flow logs to Amazon S3 (vpc-semantics.md section 12.1).
 *
 * What.  The data path calls flowlog_sink_record() (the fabric_config
 * flowlog_fn) once per record when an aggregation interval ends.  The sink
 * renders the record at once in its flow log's LogFormat (parsed once per
 * flow log and cached; the strings of a record are only valid during the
 * call) and appends the line to the buffer of its flow log and delivery
 * window.  flowlog_sink_flush() later writes every buffer older than the
 * delivery delay as one object:
 *
 *   S3 destinations (LogDestination arn:aws:s3:::bucket[/prefix]):
 *     <state_dir>/s3/<bucket>[/<prefix>]/AWSLogs/<account>/vpcflowlogs/<region>/
 *         YYYY/MM/DD/<account>_vpcflowlogs_<region>_<fl-id>_<YYYYMMDDTHHmmZ>_<hash>.log.gz
 *     A gzip object whose first line is the format's field names (the
 *     header AWS writes: "version account-id interface-id ..."), then one
 *     record per line.  YYYYMMDDTHHmmZ is the start of the 5-minute window
 *     holding the records' `end`; one window may be delivered as several
 *     objects (AWS: "multiple files may be published"), each with its own
 *     8-hex-digit hash (a CRC-32 of the object, salted until the name is
 *     new: an object is never replaced).
 *   CloudWatch Logs destinations (the log group name, or its ARN):
 *     <state_dir>/cloudwatch/<log-group>/<eni-id>, one file per ENI (AWS
 *     keeps one log stream per ENI), plain record lines appended, no header.
 *     '/' in a log group name is written as "%2F" so that each log group
 *     is one directory.
 *
 * Atomicity.  An S3 object is written to a hidden temporary file in its
 * final directory (".<name>.tmp.XXXXXX"), fsync'd, then renamed into place
 * with RENAME_NOREPLACE, and the directory fsync'd: a reader listing
 * *.log.gz never sees a partial object, and a crash leaves at most a
 * hidden temporary.  CloudWatch lines are appended with one write() per
 * flush (O_APPEND), so a reader sees whole batches.
 *
 * Limits.  Buffered text never exceeds cfg.max_buffered_size bytes and
 * cfg.max_groups buffers: a record beyond them is dropped and counted
 * (records_dropped), never queued in unbounded memory.  A buffer that
 * reaches cfg.max_object_size is closed (written at the next flush,
 * whatever its age) and later records of its window start a new object,
 * as AWS starts a new file when one is full.  A record whose flow log is
 * unknown (deleted, or not yet seen by flowlog_sink_update) or whose
 * destination cannot be written (a bucket or log group name that would
 * leave its folder, a kinesis destination) is counted in
 * records_undeliverable.  A write that fails drops that buffer's records
 * (records_dropped, write_errors, last_error).
 *
 * Threading.  flowlog_sink_record (data-path thread), flowlog_sink_update
 * and flowlog_sink_flush (any other threads) may run concurrently: one mutex
 * guards the flow-log map and the buffers and is held only to format a
 * line and to detach buffers; files are written outside it, by one flusher
 * at a time (a second mutex), so the data path never waits for a disk.
 * Nothing here logs; errors are returned and counted.
 */
#ifndef OPENVPC_FABRIC_FLOWLOG_SINK_H
#define OPENVPC_FABRIC_FLOWLOG_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/engine/engine.h"
#include "lib/model/model.h"

/* AWS publishes S3 objects for 5-minute windows. */
#define FLOWLOG_SINK_WINDOW_S 300

struct flowlog_sink_config {
	const char *state_dir; /* required: objects go below <state_dir>/s3, /cloudwatch */
	const char *account_id; /* default account (a model's own account wins); required */
	const char *region;	/* default Region (likewise); required */
	uint64_t delay_ms;	/* deliver buffers older than this (0 = at the next flush) */
	size_t max_buffered_size; /* bytes of text buffered in all (0: 64 MiB) */
	size_t max_object_size;	  /* bytes of text per object before a new one (0: 16 MiB) */
	size_t max_groups;	  /* buffers at once (0: 4096) */
	int gzip_level;		  /* 1..9 (0: 6) */
	/* The clock of buffer ages, in ms (NULL: CLOCK_REALTIME); tests set it. */
	uint64_t (*clock_ms)(void *userdata);
	void *clock_userdata;
};

struct flowlog_sink_stats {
	uint64_t records;		/* handed to flowlog_sink_record */
	uint64_t records_written;	/* in objects or CloudWatch files */
	uint64_t records_dropped;	/* buffer limits, write failures */
	uint64_t records_undeliverable; /* unknown flow log or unusable destination */
	uint64_t objects_written;	/* S3 objects and CloudWatch appends */
	uint64_t bytes_written;		/* compressed for S3 */
	uint64_t write_errors;
	int last_error;			/* negative errno of the last failed write, 0 */
	size_t buffered_size;		/* text bytes waiting now */
	size_t flow_logs;		/* known flow logs */
};

struct flowlog_sink;

/* Defaults for everything but state_dir, account_id and region. */
void flowlog_sink_config_default(struct flowlog_sink_config *cfg);
/* Copies cfg's strings.  0, -EINVAL (a required field missing), -ENOMEM. */
int flowlog_sink_new(const struct flowlog_sink_config *cfg, struct flowlog_sink **ret_sink);

/*
 * Take the flow logs (ID, destination, format) of m.  Formats are parsed
 * here, once per flow log; flow logs no longer in m stop receiving records
 * (what is already buffered for them is still delivered).  Thread-safe.
 * Returns 0 or -ENOMEM (the previous map stays); a flow log whose format or
 * destination cannot be used is kept and its records counted as
 * undeliverable.
 */
int flowlog_sink_update(struct flowlog_sink *s, const struct model *m);

/* The fabric's flowlog_fn: userdata is the sink.  Never blocks on I/O. */
void flowlog_sink_record(const struct eng_flow_record *rec, void *userdata);

/*
 * Write every buffer that has waited at least the delivery delay by now_ms
 * (the config clock's scale), and every full one.  Thread-safe; one flush
 * runs at a time.  Returns the number of objects written (>= 0), or the
 * negative errno of the first failure (the other buffers are still tried).
 */
int flowlog_sink_flush(struct flowlog_sink *s, uint64_t now_ms);
/* Write everything buffered, whatever its age (shutdown). Same returns. */
int flowlog_sink_flush_all(struct flowlog_sink *s);

void flowlog_sink_stats(struct flowlog_sink *s, struct flowlog_sink_stats *ret_stats);

/* Flushes nothing (call flowlog_sink_flush_all first).  Accepts NULL; returns NULL. */
struct flowlog_sink *flowlog_sink_free(struct flowlog_sink *s);

/*
 * Helpers, exposed for tests and for `vpcctl flow-logs`:
 *
 * The S3 object key below the bucket folder for these parts, without the
 * hash and suffix: "AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/"
 * into dir, "<account>_vpcflowlogs_<region>_<fl-id>_<YYYYMMDDTHHmmZ>" into
 * stem.  0 or -ENAMETOOLONG.
 */
int flowlog_sink_s3_key(const char *account_id, const char *region, const char *flow_log_id,
			int64_t window_start, char *dir, size_t dir_size, char *stem,
			size_t stem_size);
/*
 * Split "arn:<partition>:s3:::bucket[/prefix]" into a relative folder
 * "bucket[/prefix]" (trailing '/' dropped) in buf.  0, -EINVAL when it is no
 * S3 ARN or a bucket or prefix part is empty, ".", "..", or holds a control
 * character, -ENAMETOOLONG.
 */
int flowlog_sink_s3_folder(const char *arn, char *buf, size_t size);
/*
 * The header line of a format (NULL = default): its field names separated
 * by spaces.  0, -EINVAL (not a well-formed format), -ENAMETOOLONG.
 */
int flowlog_sink_header(const char *format, char *buf, size_t size);

#endif
