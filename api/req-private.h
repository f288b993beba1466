/*
 * req-private: framework-only functions on struct api_req (not for handlers).
 */
#ifndef OPENVPC_API_REQ_PRIVATE_H
#define OPENVPC_API_REQ_PRIVATE_H

#include "api/api.h"

/* Free everything api_alloc() handed out for r. */
void api_req_arena_free(struct api_req *r);

/*
 * Begin the response document (<{Action}Response xmlns> and <requestId>)
 * into a fresh memory buffer.  0 or -ENOMEM.
 */
int api_xml_begin(struct api_req *r);
/* Close the document; on success *ret_body is a heap string. Frees the writer. */
int api_xml_finish(struct api_req *r, char **ret_body, size_t *ret_size);
/* Drop a started document (error path).  Accepts a request with no writer. */
void api_xml_abort(struct api_req *r);
/*
 * The error document of ec2-api.md section 5: <Response><Errors><Error>
 * <Code/><Message/></Error></Errors><RequestID/></Response>.  *ret_body is a
 * heap string.  0 or -ENOMEM.
 */
int api_xml_error_document(const char *code, const char *message, const char *request_id,
			   char **ret_body, size_t *ret_size);

#endif
