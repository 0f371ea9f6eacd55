/* kernel/portroute.h: where a port that moved with its owner is now
 * (kernel/migrate.c moves them; docs/migration.md, "Ports").
 *
 * A port keeps its id when its owner moves, and the id names the node it
 * was made on (PORT_NODE). The node a port left keeps a forwarding entry,
 * id -> the node it went to, and answers a message for it with a redirect
 * (an RPC NACK carrying the node: net/rpc.c); the sender's kernel then
 * remembers the new place as a hint and sends there from then on, so once
 * every sender has learnt it the old node is out of the path. A sender whose
 * node for the port does not answer at all asks every node
 * (portroute_locate). */
#ifndef KERNEL_PORTROUTE_H
#define KERNEL_PORTROUTE_H

#include <stdint.h>

#include "lib/syscall_abi.h"

/* This node's port id left for node (a forwarding entry). */
void portroute_moved(const struct port_id *id, uint32_t node);
/* A sender learnt that id is on node (a hint; node == this node: forget). */
void portroute_hint(const struct port_id *id, uint32_t node);
/* Where to send a message for id that is not here: a hint or forwarding
 * entry, else the node the id names. */
uint32_t portroute_node(const struct port_id *id);
/* The forwarding entry for id (0: none): a redirect for its senders. */
uint32_t portroute_forward(const struct port_id *id);

/* Ask every other node but skip whether port id is there now (a sender
 * whose node for id does not answer: it died, and its forwarding entry
 * with it; Amoeba's locate). The node, or 0. Process context. */
uint32_t portroute_locate(const struct port_id *id, uint32_t skip);

/* An RPC NACK's status that redirects (net/rpc.c): 0x8000 | node. */
#define PORTROUTE_REDIRECT 0x8000
static inline int portroute_is_redirect(int error)
{
    return error < 0 && (-error & PORTROUTE_REDIRECT);
}
static inline uint32_t portroute_redirect_node(int error) { return (uint32_t)(-error & 0x7fff); }
static inline int portroute_redirect_error(uint32_t node)
{
    return -(int)(PORTROUTE_REDIRECT | node);
}

#endif
