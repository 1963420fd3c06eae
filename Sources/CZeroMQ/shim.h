#ifndef CZEROMQ_SHIM_H
#define CZEROMQ_SHIM_H
#include <zmq.h>
/* The swarm link waits on its sockets' ZMQ_FDs in epoll. */
#include <sys/epoll.h>
#endif
