/*
 * libFuzzer target over every response parser of ipamd/ec2c (ec2c-xml.h).
 Every input goes through every parser (each checks the root element
 * first, so the cost is a few parses of a small document); seeds in
 * tests/fuzz/corpus/ec2c-xml/ are vpcd answers and AWS examples as they
 * came over the wire.  No input may crash, leak or read out of bounds; a
 * parse that succeeds must leave a result within the documented limits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ipamd/ec2c-xml.h"

static void check(int ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char token[EC2C_NEXT_TOKEN_MAX], id[EC2C_ID_MAX];
	const char *body = (const char *)data;
	int r;

	for (unsigned which = 0; which < 9; which++) {
		switch (which) {
		case 0: {
			struct ec2c_error err = {0};

			if (ec2c_xml_parse_error(body, size, &err) == 0)
				check(err.code[0] && strlen(err.message) < EC2C_MESSAGE_MAX);
			break;
		}
		case 1:
			(void)ec2c_xml_parse_ok(body, size, "DeleteNetworkInterface");
			break;
		case 2: {
			struct ec2c_eni *e = malloc(sizeof(*e));

			if (ec2c_xml_parse_create_eni(body, size, e) == 0) {
				check(e->id[0] && e->n_secondary_ips <= EC2C_ENI_IPS_MAX &&
				      e->n_prefixes <= EC2C_ENI_PREFIXES_MAX &&
				      e->n_tags <= EC2C_TAGS_MAX);
				ec2c_eni_done(e);
			}
			free(e);
			break;
		}
		case 3:
			if (ec2c_xml_parse_attach(body, size, id) == 0)
				check(id[0] != '\0');
			break;
		case 4: {
			struct ec2c_assigned a;

			if (ec2c_xml_parse_assign(body, size, &a) == 0)
				check(a.n_ips <= EC2C_ENI_IPS_MAX &&
				      a.n_prefixes <= EC2C_ENI_PREFIXES_MAX);
			break;
		}
		case 5: {
			struct ec2c_instance *in = malloc(sizeof(*in));

			r = ec2c_xml_parse_instance(body, size, in);
			if (r == 0)
				check(in->id[0] && in->n_enis <= EC2C_INSTANCE_ENIS_MAX);
			free(in);
			break;
		}
		case 6:
			if (ec2c_xml_parse_run(body, size, id) == 0)
				check(id[0] != '\0');
			break;
		case 7: {
			struct ec2c_eni_list l = {0};

			/* Twice: the second page appends to the first. */
			for (int i = 0; i < 2; i++)
				if (ec2c_xml_parse_eni_page(body, size, &l, token) == 0)
					check(strlen(token) < EC2C_NEXT_TOKEN_MAX);
			check(l.n_enis <= EC2C_LIST_MAX);
			ec2c_eni_list_done(&l);
			break;
		}
		default: {
			struct ec2c_subnet_list l = {0};

			for (int i = 0; i < 2; i++)
				(void)ec2c_xml_parse_subnet_page(body, size, &l, token);
			ec2c_subnet_list_done(&l);
			break;
		}
		}
	}
	return 0;
}
