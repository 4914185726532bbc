/*
 * fuzz_config.c: libFuzzer target for hb_config_load_buffer (xhad.conf).
 *
 * Any bytes must either load or fail with a message; never crash, leak or
 * print. A loaded configuration must satisfy the struct's invariants:
 * 1..64 hosts sorted by UUID with hosts[i].index == i, every host with
 * n_paths addresses, one family per path, the local host in the table.
 * Loaded or not, the unknown-element warnings are bounded, each a non-empty
 * NUL-terminated message with its element and path.
 * Seeds: tests/fuzz/corpus/config/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hb_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_loaded(const struct hb_config *cfg)
{
	if (cfg->n_hosts < 1 || cfg->n_hosts > HB_MAX_HOSTS || cfg->n_paths < 1 || cfg->n_paths > HB_MAX_PATHS)
		abort();
	for (unsigned i = 0; i < cfg->n_hosts; i++) {
		const struct hb_config_host *h = &cfg->hosts[i];
		if (h->index != i || h->n_addrs != cfg->n_paths)
			abort();
		if (i > 0 && memcmp(cfg->hosts[i - 1].uuid.b, h->uuid.b, sizeof h->uuid.b) >= 0)
			abort();
		for (unsigned p = 0; p < h->n_addrs; p++) {
			if (h->addrs[p].family != cfg->hosts[0].addrs[p].family)
				abort();
		}
	}
	if (hb_config_local(cfg) != &cfg->hosts[cfg->local_index] || cfg->statefile[0] == '\0')
		abort();
	if (cfg->wd_backend == HB_WD_TEST && cfg->test_fence_log[0] == '\0')
		abort();
}

static void check_warnings(const struct hb_config *cfg)
{
	const struct hb_config_warnings *ws = &cfg->warnings;
	if (ws->n > HB_CONFIG_WARNINGS_MAX || (ws->dropped > 0 && ws->n != HB_CONFIG_WARNINGS_MAX))
		abort();
	for (unsigned i = 0; i < ws->n; i++) {
		const struct hb_config_warning *w = &ws->w[i];
		if (w->line < 0 || memchr(w->msg, '\0', sizeof w->msg) == NULL || w->msg[0] == '\0' ||
		    memchr(w->element, '\0', sizeof w->element) == NULL || w->element[0] == '\0' ||
		    memchr(w->path, '\0', sizeof w->path) == NULL || w->path[0] != '/' ||
		    memchr(w->suggestion, '\0', sizeof w->suggestion) == NULL)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hb_config *cfg = malloc(sizeof *cfg);
	struct hb_err err;
	if (cfg == NULL)
		return 0;
	memset(&err, 0, sizeof err);
	if (hb_config_load_buffer((const char *)data, size, "fuzz.conf", cfg, &err) == 0)
		check_loaded(cfg);
	else if (err.msg[0] == '\0' || memchr(err.msg, '\0', sizeof err.msg) == NULL)
		abort();
	check_warnings(cfg);
	free(cfg);
	return 0;
}
