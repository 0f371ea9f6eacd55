# services/naming/naming.mk: the naming server, a user program started at boot
# on every node (services=naming). Included by the top Makefile.
#
# Built on the replicated-service runtime (services/replica/replica.mk).
# Raft entries hold whole naming requests (NS_REQUEST_MAX 700 bytes); the
# snapshot holds the whole machine (nsm_snapshot_max, under 640 KiB).

# (its own nsproto object replaces the one in USER_LIBOBJS)
naming_LIBOBJS := $(filter-out %/ns_nsproto.o,$(USER_LIBOBJS))
$(eval $(call replica_service,naming,704,655360))

# The linearizability scenario (tests/naming/cluster.py) over RUNS seeds,
# each a fresh 3-node cluster under partitions, loss, duplication and kills:
#   make naming-soak RUNS=20        (about a minute per run)
.PHONY: naming-soak
naming-soak: all $(BUILD)/host/netswitch
	@bash tests/naming/soak.sh $(or $(RUNS),10)
