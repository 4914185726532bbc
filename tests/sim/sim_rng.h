/*
 * sim_rng.h: the only source of randomness in hbsim.
 *
 * splitmix64 to expand a seed, xoshiro256** for the streams. Never rand(),
 * never the wall clock, never an address: the same seed gives the same run,
 * byte for byte, on any machine.
 */
#ifndef SIM_RNG_H
#define SIM_RNG_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>

struct sim_rng {
	uint64_t s[4];
};

static inline uint64_t sim_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Seed a stream from a seed and a stream number (independent streams). */
static inline void sim_rng_seed(struct sim_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1342543de82ef95ull);
	for (unsigned i = 0; i < 4; i++)
		r->s[i] = sim_splitmix64(&x);
	if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0)
		r->s[0] = 1;
}

static inline uint64_t sim_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t sim_rng_next(struct sim_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = sim_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = sim_rotl(s[3], 45);
	return result;
}

/* Uniform in [0, n), n > 0 (Lemire's multiply; the tiny bias is irrelevant
 * here and the result is deterministic). */
static inline uint64_t sim_rng_below(struct sim_rng *r, uint64_t n)
{
	assert(n > 0);
	return (uint64_t)(((unsigned __int128)sim_rng_next(r) * n) >> 64);
}

/* Uniform in [lo, hi], lo <= hi. */
static inline int64_t sim_rng_range(struct sim_rng *r, int64_t lo, int64_t hi)
{
	assert(lo <= hi);
	return lo + (int64_t)sim_rng_below(r, (uint64_t)(hi - lo) + 1u);
}

/* True with probability per_million / 1e6. */
static inline bool sim_rng_chance(struct sim_rng *r, uint32_t per_million)
{
	return sim_rng_below(r, 1000000u) < per_million;
}

#endif
