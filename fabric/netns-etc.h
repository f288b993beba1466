/*
 * netns-etc: a named namespace's own configuration files, kept where
 * iproute2 keeps them: NETNS_ETC_DIR/NAME/FILE, which `ip netns exec NAME`
 * (and `vpcctl exec`) bind-mount over /etc/FILE for the command it runs.
 * vpcd writes an instance's resolv.conf there, as the VPC's DHCP options
 * would configure it on EC2.
 *
 * A file is replaced atomically (written beside, then renamed) and only when
 * its content differs, so an adopted namespace is left alone.  Nothing here
 * logs; 0 or a negative errno.
 */
#ifndef OPENVPC_FABRIC_NETNS_ETC_H
#define OPENVPC_FABRIC_NETNS_ETC_H

#define NETNS_ETC_DIR "/etc/netns"

/* Make NETNS_ETC_DIR/name/file hold content (a valid namespace name, a plain file name). */
int netns_etc_write(const char *name, const char *file, const char *content);
/* Remove NETNS_ETC_DIR/name and the files in it; 0 when it does not exist. */
int netns_etc_remove(const char *name);

#endif
