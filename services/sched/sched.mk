# services/sched/sched.mk: the global scheduler (docs/sched.md), a user
# program started at boot on every node (services=...,schedd). Included by
# the top Makefile after user/user.mk and services/replica/replica.mk.
#
# Built on the replicated-service runtime as program `schedd` (the command
# `sched` is user/sched.c); its registry name, log prefix and disk region
# are "sched". Raft entries hold whole commands (SCHED_MSG_MAX 700 bytes).

# (its own copies of the codecs replace the client library's in USER_LIBOBJS)
sched_LIBOBJS := $(filter-out %/sched_schedproto.o %/sched_schedreply.o %/sched_schedwire.o \
	%/sched_spectext.o %/sched_view.o,$(USER_LIBOBJS))
$(eval $(call replica_service,sched,704,262144,schedd))
