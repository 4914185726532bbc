/*
 * hb_bytes.h: explicit little-endian serialization helpers.
 *
 * Every record (heartbeat packet, statefile block) is written field by field
 * with these, never as a C struct, so the format does not depend on the
 * compiler, the architecture or padding.
 */
#ifndef HB_BYTES_H
#define HB_BYTES_H

#include <stdint.h>
#include <string.h>

static inline void hb_put_u8(uint8_t *p, uint8_t v) { p[0] = v; }
static inline void hb_put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}
static inline void hb_put_u32(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static inline void hb_put_u64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint8_t hb_get_u8(const uint8_t *p) { return p[0]; }
static inline uint16_t hb_get_u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t hb_get_u32(const uint8_t *p)
{
	uint32_t v = 0;
	for (unsigned i = 0; i < 4; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}
static inline uint64_t hb_get_u64(const uint8_t *p)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

#endif
