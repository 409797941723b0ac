// The traffic tool of the datapath bench: a small C program (echo server, request/response and
// connect/request/response clients, a port probe, an exec wrapper) compiled with gcc into a temp dir.
// `cpu=N` before the mode pins the process (and whatever it execs) to one CPU.
//
// Every mode first asks the kernel to SIGKILL it when its parent dies (PR_SET_PDEATHSIG; `ip netns exec`
// execs in place, so the parent is the bench's Node process), and `exec` keeps that across execve: a
// crashed or killed bench leaves no server behind in its namespaces.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SOURCE = String.raw`
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static struct sockaddr_in addr_of(const char *ip, const char *port)
{
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(atoi(port));
	if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) {
		fprintf(stderr, "bad address %s\n", ip);
		exit(2);
	}
	return a;
}

static void opts(int fd)
{
	int one = 1;
	struct timeval tv = {.tv_sec = 2};
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)); /* also bounds connect() */
}

/* server IP PORT: epoll echo server (one thread), "ready" once listening. */
static int server(const char *ip, const char *port)
{
	struct sockaddr_in a = addr_of(ip, port);
	int one = 1, lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 4096) < 0) {
		perror("bind/listen");
		return 2;
	}
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd}, evs[256];
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	printf("ready\n");
	fflush(stdout);
	char buf[4096];
	for (;;) {
		int n = epoll_wait(ep, evs, 256, -1);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd == lfd) {
				int c;
				while ((c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					struct epoll_event cev = {.events = EPOLLIN, .data.fd = c};
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
				}
				continue;
			}
			ssize_t r = read(fd, buf, sizeof(buf));
			if (r > 0) {
				if (write(fd, buf, r) != r)
					close(fd);
			} else if (r == 0 || errno != EAGAIN) {
				close(fd);
			}
		}
	}
}

/* rr IP PORT SECONDS: one connection, 1-byte request / 1-byte response, as many as fit. */
static int rr(const char *ip, const char *port, double secs)
{
	struct sockaddr_in a = addr_of(ip, port);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	opts(fd);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("connect");
		return 2;
	}
	char c = 'x';
	long n = 0;
	double t0 = now(), end = t0 + secs, t;
	do {
		if (write(fd, &c, 1) != 1 || read(fd, &c, 1) != 1) {
			perror("request/response");
			return 2;
		}
		n++;
	} while ((t = now()) < end);
	close(fd);
	printf("{\"count\":%ld,\"seconds\":%.6f,\"errors\":0}\n", n, t - t0);
	return 0;
}

/* crr IP PORT SECONDS: connect, 1-byte request / response, close; repeated. */
static int crr(const char *ip, const char *port, double secs)
{
	struct sockaddr_in a = addr_of(ip, port);
	long n = 0, errors = 0;
	double t0 = now(), end = t0 + secs, t;
	char c = 'x';
	while ((t = now()) < end) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		opts(fd);
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || write(fd, &c, 1) != 1 || read(fd, &c, 1) != 1) {
			errors++;
			if (errors == 1)
				perror("connect/request/response");
			close(fd);
			if (errors > 100)
				break;
			continue;
		}
		close(fd);
		n++;
	}
	printf("{\"count\":%ld,\"seconds\":%.6f,\"errors\":%ld}\n", n, t - t0, errors);
	return 0;
}

/* probe IP PORT MS: "open", "refused", "timeout" or "error:<errno>". */
static int probe(const char *ip, const char *port, int ms)
{
	struct sockaddr_in a = addr_of(ip, port);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0) {
		printf("open\n");
		return 0;
	}
	if (errno != EINPROGRESS) {
		printf(errno == ECONNREFUSED ? "refused\n" : "error:%d\n", errno);
		return 0;
	}
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	if (poll(&p, 1, ms) == 0) {
		printf("timeout\n");
		return 0;
	}
	int err = 0;
	socklen_t len = sizeof(err);
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	if (err == 0)
		printf("open\n");
	else if (err == ECONNREFUSED)
		printf("refused\n");
	else
		printf("error:%d\n", err);
	return 0;
}

int main(int argc, char **argv)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		return 3;
	signal(SIGPIPE, SIG_IGN);
	/* cpu=N first: run on that CPU only (kept across exec). */
	if (argc >= 2 && !strncmp(argv[1], "cpu=", 4)) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(atoi(argv[1] + 4), &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0) {
			perror("sched_setaffinity");
			return 2;
		}
		argc--;
		argv++;
	}
	if (argc >= 4 && !strcmp(argv[1], "server"))
		return server(argv[2], argv[3]);
	if (argc >= 5 && !strcmp(argv[1], "rr"))
		return rr(argv[2], argv[3], atof(argv[4]));
	if (argc >= 5 && !strcmp(argv[1], "crr"))
		return crr(argv[2], argv[3], atof(argv[4]));
	if (argc >= 5 && !strcmp(argv[1], "probe"))
		return probe(argv[2], argv[3], atoi(argv[4]));
	if (argc >= 3 && !strcmp(argv[1], "exec")) {
		execvp(argv[2], argv + 2);
		perror("execvp");
		return 127;
	}
	fprintf(stderr, "usage: [cpu=N] server IP PORT | rr|crr IP PORT SECONDS | probe IP PORT MS | exec CMD...\n");
	return 2;
}
`;

export interface TrafficTool extends Disposable {
  /** The compiled binary. */
  path: string;
}

/** Compiles the tool into a fresh temp dir (removed on dispose). */
export function buildTrafficTool(): TrafficTool {
  const dir = mkdtempSync(join(tmpdir(), 'porin-bench-dp-'));
  try {
    writeFileSync(join(dir, 'net.c'), SOURCE);
    execFileSync('gcc', ['-O2', '-Wall', '-o', join(dir, 'porin-bench-net'), join(dir, 'net.c')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`gcc failed: ${err.stderr?.toString().trim() || err.message}`);
  }
  return {
    path: join(dir, 'porin-bench-net'),
    [Symbol.dispose]() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What `rr` and `crr` print. */
export interface CountResult {
  count: number;
  seconds: number;
  errors: number;
}
