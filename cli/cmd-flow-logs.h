/* cmd-flow-logs: `vpcctl flow-logs tail` (see cmd-flow-logs.c). */
#ifndef OPENVPC_CLI_CMD_FLOW_LOGS_H
#define OPENVPC_CLI_CMD_FLOW_LOGS_H

/* argv[0] is "flow-logs".  Returns the exit status. */
int flow_logs_main(int argc, char **argv);

#endif
