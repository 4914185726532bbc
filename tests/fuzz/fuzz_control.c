/*
 * fuzz_control.c: libFuzzer target for the control protocol's request
 * parser (libhb/control/hb_ctl_proto.c): any line must parse or be refused with a
 * class, a code and a reason, never crash, leak or read past its length.
 */
#include <assert.h>
#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hb_ctl_proto.h"
#include "hb_exit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_request req;
	struct ctl_fault f;
	int rc = ctl_parse((const char *)data, size, &req, &f);
	struct json_object *resp;
	if (rc == 0) {
		assert(req.cmd < CTL_CMD_COUNT);
		if (req.cmd == CTL_SET_WEIGHT)
			assert(req.weight >= 1);
		resp = ctl_ok(req.id, "fuzz", NULL);
	} else {
		assert(f.error < CTL_E_COUNT && f.reason[0] != '\0');
		assert(f.code == HB_EXIT_INVALID_PARAMETER || f.code == HB_EXIT_INVALID_ENVIRONMENT);
		resp = ctl_fail(req.id, f.error, f.code, f.reason);
	}
	/* the response must serialise (the id echoed back may be anything) */
	assert(json_object_to_json_string_ext(resp, JSON_C_TO_STRING_PLAIN) != NULL);
	json_object_put(resp);
	ctl_request_free(&req);
	return 0;
}
