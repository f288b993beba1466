/*
 * live: vpcctl subcommands over a running vpcd's state and fabric —
 * `ls` (instances, their ENIs and addresses, their namespaces, from the
 * state directory's store, read while vpcd runs), `exec` (a command inside
 * an instance's namespace, like `ip netns exec`), and the loader that lets
 * `trace --state-dir` analyse the live state.
 */
#ifndef OPENVPC_CLI_LIVE_H
#define OPENVPC_CLI_LIVE_H

#include <stddef.h>

#include "lib/model/model.h"

int ls_main(int argc, char **argv);
int exec_main(int argc, char **argv);
/* trace_live_loader_fn over the store. */
int live_load_model(const char *state_dir, const char *region, struct model **ret_model, char *why,
		    size_t why_size);

#endif
