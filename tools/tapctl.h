/* SPDX-License-Identifier: MIT */
/* tapctl's files (tools/tapctl*.c). */
#ifndef TAPCTL_H
#define TAPCTL_H

/* tapctl [--socket PATH] service COMMAND ...: the exit status (docs/service.md). */
int tapctl_service(const char *socket, int argc, char **argv);

#endif /* TAPCTL_H */
