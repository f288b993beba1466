/*
 * ec2c-xml: the parsers of EC2 Query API answers, one per result type, on
 * bytes in memory (libxml2 DOM, no network, no DTD, no entity expansion).
 *
 * Every parser checks the root element's local name (the namespace is
 * ignored, as botocore ignores it), reads the elements it knows by local
 * name and ignores the others.  Required elements missing or malformed
 * (an id, an address, an integer) give -EBADMSG; a string longer than its
 * field or more items than a limit gives -E2BIG (ec2c.h); -ENOMEM.  ret_* are
 * written only on success; on failure nothing is leaked.  These functions
 * are the fuzzing surface (tests/fuzz/ipamd/fuzz-ec2c-xml.c): no input may
 * crash them, leak or read past size.
 */
#ifndef OPENVPC_EC2C_XML_H
#define OPENVPC_EC2C_XML_H

#include <stddef.h>

#include "ipamd/ec2c.h"

/*
 * An error document <Response><Errors><Error><Code/><Message/></Error>
 * </Errors><RequestID/></Response> (the first Error).  Code and RequestID
 * over their fields are -E2BIG; a long message is cut.  ret_err's
 * http_status and attempts are left as they were.
 */
int ec2c_xml_parse_error(const char *body, size_t size, struct ec2c_error *ret_err);

/* <{action}Response> with nothing read but its root: DeleteNetworkInterface, ... */
int ec2c_xml_parse_ok(const char *body, size_t size, const char *action);

/* CreateNetworkInterfaceResponse/networkInterface. */
int ec2c_xml_parse_create_eni(const char *body, size_t size, struct ec2c_eni *ret_eni);
/* AttachNetworkInterfaceResponse/attachmentId. */
int ec2c_xml_parse_attach(const char *body, size_t size, char ret_attachment_id[EC2C_ID_MAX]);
/* AssignPrivateIpAddressesResponse. */
int ec2c_xml_parse_assign(const char *body, size_t size, struct ec2c_assigned *ret_assigned);
/* DescribeInstancesResponse: the first instance; -ENOENT when there is none. */
int ec2c_xml_parse_instance(const char *body, size_t size, struct ec2c_instance *ret_instance);
/* RunInstancesResponse: the first instance's id. */
int ec2c_xml_parse_run(const char *body, size_t size, char ret_instance_id[EC2C_ID_MAX]);

/*
 * One page of DescribeNetworkInterfaces / DescribeSubnets, appended to
 * *list (which keeps what it had on failure; at most EC2C_LIST_MAX items in
 * all).  ret_next_token gets the nextToken, "" on the last page.
 */
int ec2c_xml_parse_eni_page(const char *body, size_t size, struct ec2c_eni_list *list,
			    char ret_next_token[EC2C_NEXT_TOKEN_MAX]);
int ec2c_xml_parse_subnet_page(const char *body, size_t size, struct ec2c_subnet_list *list,
			       char ret_next_token[EC2C_NEXT_TOKEN_MAX]);

#endif
