/*
 * ec2c-curl: ec2c's default transport, one libcurl easy handle per client
 * (so the connection is kept alive between requests).  Not thread-safe;
 * used only through ec2c.c.  Answers over EC2C_RESPONSE_MAX are -EFBIG.
 */
#ifndef OPENVPC_EC2C_CURL_H
#define OPENVPC_EC2C_CURL_H

#include "ipamd/ec2c.h"

struct ec2c_curl;

/* 0, -ENOMEM or -EIO (libcurl failed to initialise). */
int ec2c_curl_new(struct ec2c_curl **ret);
struct ec2c_curl *ec2c_curl_free(struct ec2c_curl *t);
/* The ec2c_hooks.send of the transport; userdata is a struct ec2c_curl. */
int ec2c_curl_send(void *userdata, const struct ec2c_http_request *req,
		   struct ec2c_http_response *ret_resp);

#endif
