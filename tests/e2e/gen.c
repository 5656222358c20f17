// SPDX-License-Identifier: MIT
/*
 * gen: the workload generator of the tests and benchmarks.  It makes known
 * numbers of events so a script's counts can be checked exactly:
 *
 *   gen getppid N            N getppid() calls
 *   gen write N SIZE [FILE]  N writes of SIZE bytes (to /dev/null by default)
 *   gen read N SIZE [FILE]   N reads of SIZE bytes (from /dev/zero by default)
 *   gen writev N A B [FILE]  N writev(2) of two buffers, A and B bytes (to
 *                            /dev/null by default)
 *   gen readv N A B [FILE]   N readv(2) into two buffers of A and B bytes
 *                            (from /dev/zero by default)
 *   gen open FILE N          N openat(FILE, O_RDONLY) + close
 *   gen fork N               N children that exit at once (waited for)
 *   gen procs N M            N children one after another, each making M
 *                            threads (each returns at once, joined) and
 *                            exiting with status 10 + its number (0..N-1)
 *   gen kill N SIG           N signals SIG to a child that ignores them
 *   gen ctxsw N              N round trips between two threads over pipes
 *   gen pair N CPU           the same, both threads pinned to CPU
 *   gen migrate N            move itself between CPUs 0 and 1 N times
 *   gen sigh N SIG           N signals SIG to a child that handles them, one
 *                            at a time (the child acknowledges each), with
 *                            kill(2), then one with tkill(2) and one with
 *                            tgkill(2)
 *   gen udp N PORT           N datagrams to 127.0.0.1:PORT
 *   gen udpx N PORT SIZE [6] N datagrams of SIZE bytes to itself on
 *                            127.0.0.1:PORT (::1 with 6), each received
 *   gen udpfull N PORT       N datagrams to a bound socket with the smallest
 *                            receive buffer that never reads: most are dropped
 *   gen tcp N PORT SIZE [6]  a TCP connection over 127.0.0.1:PORT (::1 with
 *                            6): N messages of SIZE bytes each way, then
 *                            both ends close
 *   gen touch N              mmap N fresh anonymous pages, write to each
 *                            (N page faults), munmap them
 *   gen xattr N SIZE FILE    N setxattr(FILE, "user.taphub") of SIZE bytes:
 *                            the kernel copies each value into a kmalloc
 *                            of SIZE bytes, freed before the call returns
 *   gen dio N SIZE FILE      N O_DIRECT writes of SIZE bytes (a multiple of
 *                            the block size) to FILE, a file or block device,
 *                            then N O_DIRECT reads of them
 *   gen bind N [alg]         N sockets bound one by one: UDP on 127.0.0.1,
 *                            port 0 (AF_INET), or with alg AF_ALG "aead"
 *                            "gcm(aes)" sockets; prints "bind ok=A eperm=B
 *                            other=C" (exit 77 when AF_ALG is missing)
 *   gen sys DIR PORT         one call of each syscall the syscall tapset tests
 *                            check, with known arguments (see do_sys)
 *   gen flood MS             getpid() as fast as possible for MS milliseconds
 *   gen seqwrite N US        N writes to /dev/null of 1, 2, ... N bytes, US
 *                            microseconds apart: a numbered stream, for
 *                            checking that a stream has no gap
 *   gen spin MS              burn CPU for MS milliseconds
 *   gen sleep MS             sleep MS milliseconds
 *
 * With -t first, it prints the nanoseconds per event (wall clock), for the
 * benchmarks: "gen -t getppid 1000000".  Every event is made by this
 * process (or its threads) so `tap -c` and pid()/target() can filter.
 */
/* O_DIRECT and sched_setaffinity need _GNU_SOURCE, which the Makefile defines */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/futex.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <sys/xattr.h>

static long arg(char **argv, int i, int argc, const char *what)
{
	char *end;
	long v;

	if (i >= argc) {
		fprintf(stderr, "gen: missing %s\n", what);
		exit(2);
	}
	v = strtol(argv[i], &end, 0);
	if (*end || v < 0) {
		fprintf(stderr, "gen: bad %s '%s'\n", what, argv[i]);
		exit(2);
	}
	return v;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int pipes[2][2];

static void *pong(void *unused)
{
	char c;

	(void)unused;
	while (read(pipes[0][0], &c, 1) == 1)
		if (write(pipes[1][1], &c, 1) != 1)
			break;
	return NULL;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		perror("sched_setaffinity");
		exit(1);
	}
}

static int pair_cpu;

static void *pinned_pong(void *unused)
{
	pin(pair_cpu);
	return pong(unused);
}

static void *thread_return(void *unused)
{
	return unused;
}

/* gen procs N M: the lifecycle of N processes of M + 1 threads, with known statuses */
static int do_procs(long n, long m)
{
	long k, t;

	for (k = 0; k < n; k++) {
		pid_t p = fork();
		int status;

		if (p < 0)
			return 1;
		if (p == 0) {
			for (t = 0; t < m; t++) {
				pthread_t th;

				if (pthread_create(&th, NULL, thread_return, NULL) ||
				    pthread_join(th, NULL))
					_exit(1);
			}
			_exit((int)(10 + k));
		}
		if (waitpid(p, &status, 0) != p || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 10 + k)
			return 1;
	}
	return 0;
}

/* Two threads on one CPU: every round trip switches from one to the other. */
static int do_pair(long n, int cpu)
{
	pthread_t th;
	char c = 'x';
	long k;

	pair_cpu = cpu;
	pin(cpu);
	if (pipe(pipes[0]) || pipe(pipes[1]))
		return 1;
	pthread_create(&th, NULL, pinned_pong, NULL);
	for (k = 0; k < n; k++)
		if (write(pipes[0][1], &c, 1) != 1 || read(pipes[1][0], &c, 1) != 1)
			return 1;
	close(pipes[0][1]);
	pthread_join(th, NULL);
	return 0;
}

/* Affinity to the other CPU moves a running task at once. */
static int do_migrate(long n)
{
	int cpu = sched_getcpu();
	long k;

	pin(cpu);
	for (k = 0; k < n; k++) {
		cpu = !cpu;
		pin(cpu);
	}
	return 0;
}

static int ack_fd;

static void on_signal(int sig)
{
	char c = (char)sig;

	if (write(ack_fd, &c, 1) != 1)
		_exit(1);
}

/*
 * Signals to a child that handles them, one at a time: an unhandled
 * standard signal sent while one is pending would be merged with it.
 */
static int do_sigh(long n, int sig)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int ack[2];
	pid_t p;
	long k;
	char c;

	if (pipe(ack))
		return 1;
	ack_fd = ack[1];
	sigemptyset(&sa.sa_mask);
	/* installed before the fork, so no signal can come too early */
	if (sigaction(sig, &sa, NULL))
		return 1;
	p = fork();
	if (p == 0) {
		for (;;)
			pause();
	}
	signal(sig, SIG_DFL);
	for (k = 0; k < n; k++)
		if (kill(p, sig) || read(ack[0], &c, 1) != 1)
			return 1;
	if (syscall(SYS_tkill, p, sig) || read(ack[0], &c, 1) != 1 ||
	    syscall(SYS_tgkill, p, p, sig) || read(ack[0], &c, 1) != 1)
		return 1;
	kill(p, SIGKILL);
	waitpid(p, NULL, 0);
	return 0;
}

static int udp_socket(long port, struct sockaddr_in *a)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)port);
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)a, sizeof(*a))) {
		perror("udp bind");
		exit(1);
	}
	return s;
}

static int do_udpx(long n, long port, long size, int v6)
{
	struct sockaddr_in a;
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sockaddr *sa = v6 ? (struct sockaddr *)&a6 : (struct sockaddr *)&a;
	socklen_t len = v6 ? sizeof(a6) : sizeof(a);
	char *buf = calloc(1, (size_t)size + 1);
	long k;
	int s;

	if (v6) {
		a6.sin6_port = htons((uint16_t)port);
		s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (s < 0 || bind(s, sa, len)) {
			perror("udp bind");
			return 1;
		}
	} else {
		s = udp_socket(port, &a);
	}
	for (k = 0; k < n; k++)
		if (sendto(s, buf, (size_t)size, 0, sa, len) != size ||
		    recv(s, buf, (size_t)size + 1, 0) != size)
			return 1;
	close(s);
	free(buf);
	return 0;
}

static int do_udpfull(long n, long port)
{
	struct sockaddr_in a;
	int s = udp_socket(port, &a), one = 1;
	int tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	char buf[1024] = { 0 };
	long k;

	/* the kernel rounds this up to its minimum: a few datagrams fit */
	setsockopt(s, SOL_SOCKET, SO_RCVBUF, &one, sizeof(one));
	for (k = 0; k < n; k++)
		sendto(tx, buf, sizeof(buf), 0, (struct sockaddr *)&a, sizeof(a));
	close(tx);
	close(s);
	return 0;
}

static int read_full(int fd, char *buf, long size)
{
	long got = 0;

	while (got < size) {
		ssize_t r = read(fd, buf + got, (size_t)(size - got));

		if (r <= 0)
			return -1;
		got += r;
	}
	return 0;
}

/* A client and a server over loopback TCP, in one process. */
static int do_tcp(long n, long port, long size, int v6)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sockaddr *sa = v6 ? (struct sockaddr *)&a6 : (struct sockaddr *)&a;
	socklen_t len = v6 ? sizeof(a6) : sizeof(a);
	int fam = v6 ? AF_INET6 : AF_INET;
	int ls = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int c = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1, s;
	char *buf = calloc(1, (size_t)size);
	long k;

	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a6.sin6_port = htons((uint16_t)port);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ls < 0 || c < 0 || !buf || bind(ls, sa, len) || listen(ls, 1) || connect(c, sa, len)) {
		perror("tcp");
		return 1;
	}
	s = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	for (k = 0; k < n; k++)
		if (write(c, buf, (size_t)size) != size || read_full(s, buf, size) ||
		    write(s, buf, (size_t)size) != size || read_full(c, buf, size))
			return 1;
	close(c);
	close(s);
	close(ls);
	free(buf);
	return 0;
}

/* N readv or writev of two buffers of a and b bytes on path; each must move a + b */
static int do_rwv(int rd, long n, long a, long b, const char *path)
{
	char *buf = calloc(1, (size_t)(a + b) + 1);
	struct iovec iov[2];
	int fd, ret = 0;
	long k;

	fd = rd ? open(path, O_RDONLY | O_CLOEXEC)
		: open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || !buf) {
		perror(path);
		free(buf);
		if (fd >= 0)
			close(fd);
		return 1;
	}
	memset(buf, 'x', (size_t)(a + b));
	iov[0] = (struct iovec){ .iov_base = buf, .iov_len = (size_t)a };
	iov[1] = (struct iovec){ .iov_base = buf + a, .iov_len = (size_t)b };
	for (k = 0; k < n && !ret; k++)
		if ((rd ? readv(fd, iov, 2) : writev(fd, iov, 2)) != a + b)
			ret = 1;
	close(fd);
	free(buf);
	return ret;
}

static int do_touch(long n)
{
	long page = sysconf(_SC_PAGESIZE), k;
	char *p = mmap(NULL, (size_t)(n * page), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED)
		return 1;
	for (k = 0; k < n; k++)
		((volatile char *)p)[k * page] = 1;
	return munmap(p, (size_t)(n * page)) ? 1 : 0;
}

static int do_xattr(long n, long size, const char *path)
{
	char *buf = calloc(1, (size_t)size);
	long k;

	if (!buf)
		return 1;
	for (k = 0; k < n; k++)
		if (setxattr(path, "user.taphub", buf, (size_t)size, 0) && errno != ENOTSUP) {
			perror(path);
			return 1;
		}
	free(buf);
	return 0;
}

/* Direct I/O bypasses the page cache: one block request per call. */
static int do_dio(long n, long size, const char *path)
{
	void *buf;
	long k;
	int fd;

	if (posix_memalign(&buf, 4096, (size_t)size))
		return 1;
	memset(buf, 'x', (size_t)size);
	fd = open(path, O_RDWR | O_CREAT | O_DIRECT | O_CLOEXEC, 0644);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	for (k = 0; k < n; k++)
		if (pwrite(fd, buf, (size_t)size, k * size) != size)
			return 1;
	if (fdatasync(fd))
		return 1;
	for (k = 0; k < n; k++)
		if (pread(fd, buf, (size_t)size, k * size) != size)
			return 1;
	close(fd);
	free(buf);
	return 0;
}

/*
 * The syscall mix of the syscall tapset tests: one call of each kind with
 * known arguments, in this order, all on files under DIR and on sockets
 * of 127.0.0.1:PORT and PORT+1.  The raw syscall() is used so that each is
 * the syscall named, not what libc would pick (openat for open, ...).
 */
static void *sys_thread(void *unused)
{
	return unused;
}

/* AF_ALG's address (include/uapi/linux/if_alg.h), spelled here: libc has no header for it */
#define GEN_AF_ALG 38
struct gen_sockaddr_alg {
	unsigned short salg_family;
	unsigned char salg_type[14];
	unsigned int salg_feat, salg_mask;
	unsigned char salg_name[64];
};

/* gen bind: each bind's outcome counted, so a test sees the ones an LSM probe denied */
static int do_bind(long n, int alg)
{
	long k, ok = 0, eperm = 0, other = 0;

	for (k = 0; k < n; k++) {
		struct sockaddr_in in = { .sin_family = AF_INET,
					  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		struct gen_sockaddr_alg a = { .salg_family = GEN_AF_ALG };
		int fd = alg ? socket(GEN_AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)
			     : socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		int r;

		if (fd < 0 && alg && errno == EAFNOSUPPORT) {
			fprintf(stderr, "gen: AF_ALG is not supported by this kernel\n");
			return 77;
		}
		if (fd < 0) {
			perror("socket");
			return 1;
		}
		memcpy(a.salg_type, "aead", 5);
		memcpy(a.salg_name, "gcm(aes)", 9);
		r = alg ? bind(fd, (struct sockaddr *)&a, sizeof(a))
			: bind(fd, (struct sockaddr *)&in, sizeof(in));
		if (!r)
			ok++;
		else if (errno == EPERM)
			eperm++;
		else if (other++ == 0)
			perror("gen: bind"); /* the first unexpected failure: why */
		close(fd);
	}
	printf("bind ok=%ld eperm=%ld other=%ld\n", ok, eperm, other);
	return 0;
}

static int do_sys(const char *dir, int port)
{
	char f[256], g[256], h[256], x[256], d[256], d2[256], miss[256], buf[4096];
	struct timespec req = { 0, 20000000 }, creq = { 0, 10000000 }, pts = { 0, 1000000 };
	struct timespec fts = { 0, 1000 };
	struct sockaddr_in a = { .sin_family = AF_INET }, from;
	socklen_t fromlen = sizeof(from);
	struct iovec wv[2] = { { "ab", 2 }, { "cd", 2 } }, rv[2] = { { buf, 3 }, { buf + 3, 3 } };
	struct iovec mv = { "mesg", 4 }, mr = { buf, 64 };
	struct msghdr smh = { .msg_iov = &mv, .msg_iovlen = 1 };
	struct msghdr rmh = { .msg_iov = &mr, .msg_iovlen = 1 };
	struct epoll_event ev[4];
	struct stat st;
	struct statx stx;
	unsigned int word = 0;
	pthread_t th;
	int fd, ep, u1, u2, t, one = 1, status;
	pid_t p;
	void *m;

	snprintf(f, sizeof(f), "%s/f", dir);
	snprintf(g, sizeof(g), "%s/g", dir);
	snprintf(h, sizeof(h), "%s/h", dir);
	snprintf(x, sizeof(x), "%s/x", dir);
	snprintf(d, sizeof(d), "%s/d", dir);
	snprintf(d2, sizeof(d2), "%s/d2", dir);
	snprintf(miss, sizeof(miss), "%s/missing", dir);

	/* files */
	fd = (int)syscall(SYS_open, f, O_WRONLY | O_CREAT | O_TRUNC, 0640);
	if (fd < 0)
		return 1;
	syscall(SYS_write, fd, "hello\n", 6);
	syscall(SYS_writev, fd, wv, 2);
	syscall(SYS_pwrite64, fd, "abc", 3, 100);
	syscall(SYS_fsync, fd);
	syscall(SYS_close, fd);
	fd = (int)syscall(SYS_openat, AT_FDCWD, f, O_RDONLY);
	syscall(SYS_read, fd, buf, sizeof(buf));
	syscall(SYS_pread64, fd, buf, 16, 2);
	lseek(fd, 0, SEEK_SET);
	syscall(SYS_readv, fd, rv, 2);
	syscall(SYS_fstat, fd, &st);
	syscall(SYS_ioctl, fd, FIONREAD, &one);
	syscall(SYS_close, fd);
	syscall(SYS_openat, AT_FDCWD, miss, O_RDONLY);
	syscall(SYS_stat, f, &st);
	syscall(SYS_lstat, f, &st);
	syscall(SYS_newfstatat, AT_FDCWD, f, &st, AT_SYMLINK_NOFOLLOW);
	syscall(SYS_statx, AT_FDCWD, f, 0, STATX_BASIC_STATS, &stx);
	syscall(SYS_mkdir, d, 0750);
	syscall(SYS_mkdirat, AT_FDCWD, d2, 0700);
	syscall(SYS_rename, f, g);
	syscall(SYS_renameat, AT_FDCWD, g, AT_FDCWD, h);
	syscall(SYS_renameat2, AT_FDCWD, h, AT_FDCWD, x, RENAME_NOREPLACE);
	syscall(SYS_unlink, x);
	syscall(SYS_unlinkat, AT_FDCWD, d, AT_REMOVEDIR);
	syscall(SYS_unlinkat, AT_FDCWD, d2, AT_REMOVEDIR);

	/* memory */
	m = (void *)syscall(SYS_mmap, NULL, 8192, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	syscall(SYS_munmap, m, 8192);
	syscall(SYS_brk, 0);

	/* waiting */
	syscall(SYS_nanosleep, &req, NULL);
	syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &creq, NULL);
	syscall(SYS_poll, NULL, 0, 5);
	syscall(SYS_ppoll, NULL, 0, &pts, NULL, 8);
	ep = epoll_create1(EPOLL_CLOEXEC);
	syscall(SYS_epoll_wait, ep, ev, 4, 1);
	syscall(SYS_epoll_pwait, ep, ev, 4, 1, NULL, 8);
	close(ep);

	/* sockets: a datagram to a bound socket, a non-blocking accept */
	u1 = (int)syscall(SYS_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	u2 = (int)syscall(SYS_socket, AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	if (bind(u1, (struct sockaddr *)&a, sizeof(a)))
		return 1;
	syscall(SYS_sendto, u2, "ping", 4, MSG_DONTWAIT, &a, sizeof(a));
	syscall(SYS_recvfrom, u1, buf, 64, MSG_DONTWAIT, &from, &fromlen);
	syscall(SYS_connect, u2, &a, sizeof(a));
	/* what libc's send() and recv() are on x86-64 */
	syscall(SYS_sendto, u2, "pong", 4, MSG_DONTWAIT, NULL, 0);
	syscall(SYS_recvfrom, u1, buf, 64, MSG_DONTWAIT, NULL, NULL);
	syscall(SYS_sendmsg, u2, &smh, MSG_DONTWAIT);
	syscall(SYS_recvmsg, u1, &rmh, MSG_DONTWAIT);
	t = (int)syscall(SYS_socket, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_port = htons((uint16_t)(port + 1));
	if (bind(t, (struct sockaddr *)&a, sizeof(a)) || listen(t, 1))
		return 1;
	syscall(SYS_accept, t, NULL, NULL);
	syscall(SYS_accept4, t, NULL, NULL, SOCK_CLOEXEC);
	close(t);
	close(u2);
	close(u1);

	/* processes: fork exits 7, vfork exits 0, a thread (clone3) */
	p = (pid_t)syscall(SYS_fork);
	if (p == 0)
		_exit(7);
	syscall(SYS_wait4, p, &status, 0, NULL);
	p = vfork();
	if (p == 0)
		_exit(0);
	syscall(SYS_wait4, p, &status, 0, NULL);
	pthread_create(&th, NULL, sys_thread, NULL);
	pthread_join(th, NULL);
	syscall(SYS_kill, getpid(), 0);
	syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	syscall(SYS_futex, &word, FUTEX_WAIT, 1, &fts, NULL, 0);
	return 0;
}

int main(int argc, char **argv)
{
	int i = 1, timing = 0;
	long n = 0, k;
	const char *cmd;
	double t0;

	if (i < argc && !strcmp(argv[i], "-t")) {
		timing = 1;
		i++;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: gen [-t] getppid|write|read|writev|readv|open|fork|kill|ctxsw|pair|migrate|sigh|udp|udpx|udpfull|tcp|bind|dio|sys|seqwrite|flood|spin|sleep ...\n");
		return 2;
	}
	cmd = argv[i++];
	t0 = now_ns();
	if (!strcmp(cmd, "getppid")) {
		n = arg(argv, i, argc, "count");
		for (k = 0; k < n; k++)
			syscall(SYS_getppid);
	} else if (!strcmp(cmd, "write") || !strcmp(cmd, "read")) {
		int rd = cmd[0] == 'r';
		long size;
		const char *path;
		char *buf;
		int fd;

		n = arg(argv, i, argc, "count");
		size = arg(argv, i + 1, argc, "size");
		path = i + 2 < argc ? argv[i + 2] : rd ? "/dev/zero" : "/dev/null";
		buf = calloc(1, (size_t)size + 1);
		fd = rd ? open(path, O_RDONLY | O_CLOEXEC)
			: open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || !buf) {
			perror(path);
			return 1;
		}
		memset(buf, 'x', (size_t)size);
		/* /dev/zero fills every read: each returns size */
		for (k = 0; k < n; k++)
			if ((rd ? read(fd, buf, (size_t)size) : write(fd, buf, (size_t)size)) != size)
				return 1;
		close(fd);
		free(buf);
	} else if (!strcmp(cmd, "writev") || !strcmp(cmd, "readv")) {
		int rd = cmd[0] == 'r';

		n = arg(argv, i, argc, "count");
		if (do_rwv(rd, n, arg(argv, i + 1, argc, "size"), arg(argv, i + 2, argc, "size"),
			   i + 3 < argc ? argv[i + 3] : rd ? "/dev/zero" : "/dev/null"))
			return 1;
	} else if (!strcmp(cmd, "open")) {
		const char *path = i < argc ? argv[i] : "/dev/null";

		n = arg(argv, i + 1, argc, "count");
		for (k = 0; k < n; k++) {
			int fd = open(path, O_RDONLY | O_CLOEXEC);

			if (fd >= 0)
				close(fd);
		}
	} else if (!strcmp(cmd, "fork")) {
		n = arg(argv, i, argc, "count");
		for (k = 0; k < n; k++) {
			pid_t p = fork();

			if (p == 0)
				_exit(0);
			if (p > 0)
				waitpid(p, NULL, 0);
		}
	} else if (!strcmp(cmd, "procs")) {
		n = arg(argv, i, argc, "count");
		return do_procs(n, arg(argv, i + 1, argc, "threads"));
	} else if (!strcmp(cmd, "kill")) {
		long sig;
		pid_t p;
		char c;

		n = arg(argv, i, argc, "count");
		sig = arg(argv, i + 1, argc, "signal");
		/* the child says when its disposition is set: a signal before that would kill it */
		if (pipe(pipes[0]))
			return 1;
		p = fork();
		if (p == 0) {
			signal((int)sig, SIG_IGN);
			if (write(pipes[0][1], "r", 1) != 1)
				_exit(1);
			for (;;)
				pause();
		}
		close(pipes[0][1]);
		if (p < 0 || read(pipes[0][0], &c, 1) != 1)
			return 1;
		close(pipes[0][0]);
		for (k = 0; k < n; k++)
			kill(p, (int)sig);
		kill(p, SIGKILL);
		waitpid(p, NULL, 0);
	} else if (!strcmp(cmd, "ctxsw")) {
		pthread_t th;
		char c = 'x';

		n = arg(argv, i, argc, "count");
		if (pipe(pipes[0]) || pipe(pipes[1]))
			return 1;
		pthread_create(&th, NULL, pong, NULL);
		for (k = 0; k < n; k++)
			if (write(pipes[0][1], &c, 1) != 1 || read(pipes[1][0], &c, 1) != 1)
				return 1;
		close(pipes[0][1]);
		pthread_join(th, NULL);
	} else if (!strcmp(cmd, "pair")) {
		n = arg(argv, i, argc, "count");
		if (do_pair(n, (int)arg(argv, i + 1, argc, "cpu")))
			return 1;
	} else if (!strcmp(cmd, "migrate")) {
		n = arg(argv, i, argc, "count");
		if (do_migrate(n))
			return 1;
	} else if (!strcmp(cmd, "sigh")) {
		n = arg(argv, i, argc, "count");
		if (do_sigh(n, (int)arg(argv, i + 1, argc, "signal")))
			return 1;
	} else if (!strcmp(cmd, "bind")) {
		n = arg(argv, i, argc, "count");
		return do_bind(n, i + 1 < argc && !strcmp(argv[i + 1], "alg"));
	} else if (!strcmp(cmd, "udpx")) {
		n = arg(argv, i, argc, "count");
		if (do_udpx(n, arg(argv, i + 1, argc, "port"), arg(argv, i + 2, argc, "size"),
			    i + 3 < argc && !strcmp(argv[i + 3], "6")))
			return 1;
	} else if (!strcmp(cmd, "udpfull")) {
		n = arg(argv, i, argc, "count");
		if (do_udpfull(n, arg(argv, i + 1, argc, "port")))
			return 1;
	} else if (!strcmp(cmd, "tcp")) {
		n = arg(argv, i, argc, "count");
		if (do_tcp(n, arg(argv, i + 1, argc, "port"), arg(argv, i + 2, argc, "size"),
			   i + 3 < argc && !strcmp(argv[i + 3], "6")))
			return 1;
	} else if (!strcmp(cmd, "touch")) {
		n = arg(argv, i, argc, "count");
		if (do_touch(n))
			return 1;
	} else if (!strcmp(cmd, "xattr")) {
		n = arg(argv, i, argc, "count");
		if (i + 2 >= argc) {
			fprintf(stderr, "gen: missing file\n");
			return 2;
		}
		if (do_xattr(n, arg(argv, i + 1, argc, "size"), argv[i + 2]))
			return 1;
	} else if (!strcmp(cmd, "dio")) {
		n = arg(argv, i, argc, "count");
		if (i + 2 >= argc) {
			fprintf(stderr, "gen: missing file\n");
			return 2;
		}
		if (do_dio(n, arg(argv, i + 1, argc, "size"), argv[i + 2]))
			return 1;
	} else if (!strcmp(cmd, "udp")) {
		struct sockaddr_in a = { .sin_family = AF_INET };
		int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		n = arg(argv, i, argc, "count");
		a.sin_port = htons((uint16_t)arg(argv, i + 1, argc, "port"));
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		for (k = 0; k < n; k++)
			sendto(s, "taphub", 6, 0, (struct sockaddr *)&a, sizeof(a));
		close(s);
	} else if (!strcmp(cmd, "sys")) {
		if (i >= argc)
			return 2;
		n = 1;
		if (do_sys(argv[i], (int)arg(argv, i + 1, argc, "port")))
			return 1;
	} else if (!strcmp(cmd, "seqwrite")) {
		long count = arg(argv, i, argc, "count"), us = arg(argv, i + 1, argc, "microseconds");
		static char buf[1 << 16];
		int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (fd < 0 || count > (long)sizeof(buf))
			return 1;
		for (k = 1; k <= count; k++, n++) {
			if (write(fd, buf, (size_t)k) < 0)
				return 1;
			usleep((useconds_t)us);
		}
		close(fd);
	} else if (!strcmp(cmd, "flood")) {
		long ms = arg(argv, i, argc, "milliseconds");

		/* check the clock every 4096 calls: the loop is the syscall */
		while (now_ns() - t0 < (double)ms * 1e6)
			for (k = 0; k < 4096; k++, n++)
				syscall(SYS_getpid);
	} else if (!strcmp(cmd, "spin")) {
		long ms = arg(argv, i, argc, "milliseconds");
		volatile unsigned long x = 0;

		while (now_ns() - t0 < (double)ms * 1e6)
			x++;
		n = 1;
	} else if (!strcmp(cmd, "sleep")) {
		long ms = arg(argv, i, argc, "milliseconds");

		usleep((useconds_t)ms * 1000);
		n = 1;
	} else {
		fprintf(stderr, "gen: unknown workload '%s'\n", cmd);
		return 2;
	}
	if (timing)
		printf("%.1f\n", n ? (now_ns() - t0) / (double)n : 0.0);
	return 0;
}
