/* lib/blake2s.h: BLAKE2s (RFC 7693), plain and keyed, digest 1..32 bytes.
 *
 * The MAC of the kernel RPC transport (lib/rpcwire) is keyed BLAKE2s over a
 * frame with the 32-byte cluster key. No crypto library is packaged for a
 * bare-metal RISC-V target, so the primitive is ours; tests/unit/test_blake2s.c
 * checks it against the RFC's vectors and Python's hashlib as an oracle.
 *
 * Freestanding: only <stdint.h>. Not safe for concurrent use of one state. */
#ifndef LIB_BLAKE2S_H
#define LIB_BLAKE2S_H

#include <stdint.h>

#define BLAKE2S_BLOCK 64  /* bytes per compression */
#define BLAKE2S_OUTMAX 32 /* largest digest */
#define BLAKE2S_KEYMAX 32 /* largest key */

/* The running state of one hash (RFC 7693 §3.3). Callers treat it as opaque
 * and only allocate it. */
struct blake2s_state {
    uint32_t h[8];              /* chained state */
    uint32_t t[2];              /* byte counter, low and high words */
    uint8_t buf[BLAKE2S_BLOCK]; /* input not yet compressed */
    uint32_t buflen;            /* bytes in buf, 0..64 */
    uint32_t outlen;            /* digest length, 1..32 */
};
_Static_assert(sizeof(struct blake2s_state) % 4 == 0, "blake2s_wipe clears whole words");

/* Starts a hash with an outlen-byte digest, keyed by key[0..keylen) when
 * keylen > 0 (key may be NULL when keylen is 0). Returns 0, or -EINVAL when
 * outlen is not 1..32 or keylen is over 32 (s is then left unusable). */
int blake2s_init(struct blake2s_state *s, uint32_t outlen, const void *key, uint32_t keylen);

/* Absorbs in[0..len); any split of the input over calls gives the same
 * digest. in may be NULL when len is 0. */
void blake2s_update(struct blake2s_state *s, const void *in, uint64_t len);

/* Compresses a full pending block now instead of at the next update. After
 * a keyed init, that block is the key's (§3.3): a copy of the state then
 * serves every later message under the same key with one compression fewer
 * each (the RPC MAC keeps one per cluster key). The digests are unchanged,
 * provided every message fed to such a copy is non-empty: an empty one
 * would need the key block compressed as the final block. */
void blake2s_prepare(struct blake2s_state *s);

/* Writes the s->outlen-byte digest to out and wipes s (init it again to
 * reuse it). */
void blake2s_final(struct blake2s_state *s, void *out);

/* One shot: out[0..outlen) = BLAKE2s-outlen(key, in[0..inlen)). Returns 0,
 * or -EINVAL (outlen not 1..32, keylen over 32; out untouched). */
int blake2s(void *out, uint32_t outlen, const void *key, uint32_t keylen, const void *in,
            uint64_t inlen);

/* Compares a[0..len) with b[0..len) in time that depends on len only (not on
 * where they differ), for checking MACs. Returns 1 if equal, 0 if not. */
int blake2s_equal(const void *a, const void *b, uint32_t len);

#endif
