/* services/fs/placement.h: where a chunk's replicas live (docs/fs.md).
 *
 * Rendezvous (highest random weight) hashing: every node that stores file
 * data gets a score for the chunk (ino, index), a hash of the three; the
 * chunk lives on the FS_REPLICAS nodes with the highest scores (all of them
 * in a smaller cluster), and the highest-scoring live one is its preferred
 * primary. Every node computes the same answer from the same node set, with
 * no table to keep or replicate, and when a node joins it takes the top
 * place for about 1/N of the chunks while every other chunk stays where it
 * was (tests/fs: placement_moves_one_nth).
 *
 * Pure and freestanding. */
#ifndef SERVICES_FS_PLACEMENT_H
#define SERVICES_FS_PLACEMENT_H

#include <stdbool.h>
#include <stdint.h>

#define FS_REPLICAS 3       /* copies of each chunk (fewer in a smaller cluster) */
#define FS_CHUNK_SIZE 65536 /* bytes of file data per chunk */
#define FS_MAX_NODES 64     /* nodes a placement considers */

/* The replicas of chunk (ino, index) among nodes 1..nodes, best first, into
 * reps[0..FS_REPLICAS); returns how many (min(FS_REPLICAS, nodes left)).
 * Nodes in the out-node mask `gone` (bit k-1: node k; the nodes the
 * metadata declared gone for good) are left out, so a chunk that had a
 * replica on a gone node keeps its other replicas and gains the next node
 * in its order: repair copies the data there (docs/fs.md, "Nodes gone for
 * good"). If every node is in the mask it is ignored. */
uint32_t placement_replicas(uint64_t ino, uint32_t index, uint32_t nodes, uint64_t gone,
                            uint32_t *reps);

/* Is node one of chunk (ino, index)'s replicas? */
bool placement_holds(uint64_t ino, uint32_t index, uint32_t nodes, uint64_t gone, uint32_t node);

/* The score of node for chunk (ino, index): higher is preferred. */
uint64_t placement_score(uint64_t ino, uint32_t index, uint32_t node);

#endif
