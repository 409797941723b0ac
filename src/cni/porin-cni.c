/* porin-cni: the thin `porin` CNI plugin. Forwards one CNI call (environment + stdin) to Porin's CNI server
 * over a unix socket and prints the server's answer; all the work (IPAM, veth wiring, results) is the server's.
 *
 * Why C: the runtime executes a plugin once per call, so start-up is on every pod's critical path. This file
 * does only what must happen before the server can be asked (and what must work without it):
 *   - VERSION is answered here (the spec wants it to work always; libcni asks it on every chain run);
 *   - the network configuration is scanned just enough to find three top-level fields: `cniVersion` (to
 *     label our own errors), `socket` (where the server listens) and `timeoutSeconds` (how long to wait);
 *     full validation stays in TypeScript (src/cni/plugin-config.ts), which checks the same fields again;
 *   - every failure to reach the server becomes a spec error object on stdout and exit status 1:
 *     code 11 (try again later) when the server is down, dies, or does not answer in time — or 50 for STATUS
 *     (the spec's "plugin not available") —, 6 for stdin that is not a JSON object or is too large, 7 for a
 *     bad `socket`/`timeoutSeconds`, 100 for an answer that does not follow the protocol.
 *
 * Wire protocol (version 1), one call per connection, both directions ending at end-of-stream:
 *   request:  "PORIN-CNI 1\0" { "KEY=VALUE\0" } "\0" <stdin bytes>      (then shutdown(SHUT_WR))
 *             KEY is a CNI_* variable that is set, or PORIN_NETNS=<st_dev>:<st_ino> of /proc/self/ns/net,
 *             which the server compares with its own: it wires in its network namespace, so it refuses a
 *             plugin running in another one. Environment strings cannot hold NUL, so NUL frames them.
 *   answer:   "<exit status>\n" <stdout bytes>
 * src/cni/cni-wire.ts is the server's side of the same protocol.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define CURRENT_VERSION "1.1.0" /* keep equal to src/cni/cni-version.ts (a test compares them) */
#define VERSION_ANSWER "{\"cniVersion\":\"1.1.0\",\"supportedVersions\":[\"1.0.0\",\"1.1.0\"]}\n"
#define DEFAULT_SOCKET "/run/porin/cni.sock"
#define DEFAULT_TIMEOUT_S 50 /* below invokeCniChain's 60 s, so the runtime gets our error, not a kill */
#define MAX_STDIN (16u << 20) /* same limit as the server's (src/cni/cni-wire.ts) */
#define MAX_ANSWER (16u << 20)
#define MAX_DEPTH 1024 /* nesting limit of the JSON scanner */

enum { E_ENV = 4, E_DECODE = 6, E_CONFIG = 7, E_AGAIN = 11, E_NOT_AVAILABLE = 50, E_INTERNAL = 100 };

struct buf {
	char *data;
	size_t len, cap;
};

static char reply_version[8] = CURRENT_VERSION; /* the config's cniVersion once known, if we speak it */
static double deadline; /* CLOCK_MONOTONIC seconds */

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void append(struct buf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1) cap *= 2;
		char *d = realloc(b->data, cap);
		if (!d) abort();
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

/* Waits for `events` on fd until the deadline: 1 ready, 0 timed out. */
static int wait_fd(int fd, short events)
{
	for (;;) {
		double left = deadline - now();
		if (left <= 0) return 0;
		struct pollfd p = {.fd = fd, .events = events};
		int r = poll(&p, 1, (int)(left * 1000) + 1);
		if (r > 0) return 1;
		if (r < 0 && errno != EINTR) return 1; /* let the following read/write report the error */
	}
}

/* Writes everything (stdout may have been left non-blocking by the runtime). */
static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
		} else if (w < 0 && errno == EAGAIN) {
			struct pollfd q = {.fd = fd, .events = POLLOUT};
			poll(&q, 1, 1000);
		} else if (w < 0 && errno == EINTR) {
			continue;
		} else {
			return;
		}
	}
}

/* Appends `s` as a JSON string literal. */
static void json_string(struct buf *b, const char *s)
{
	append(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			append(b, esc, 2);
		} else if (c < 0x20) {
			snprintf(esc, sizeof esc, "\\u%04x", c);
			append(b, esc, 6);
		} else {
			append(b, s, 1);
		}
	}
	append(b, "\"", 1);
}

/* Prints the spec's error object {cniVersion, code, msg, details} and exits 1. */
__attribute__((noreturn, format(printf, 3, 4))) static void fail(int code, const char *details, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	struct buf b = {0};
	char head[64];
	append(&b, "{\"cniVersion\":", 14);
	json_string(&b, reply_version);
	snprintf(head, sizeof head, ",\"code\":%d,\"msg\":", code);
	append(&b, head, strlen(head));
	json_string(&b, msg);
	if (details && *details) {
		append(&b, ",\"details\":", 11);
		json_string(&b, details);
	}
	append(&b, "}\n", 2);
	write_all(1, b.data, b.len);
	exit(1);
}

/* ---------------------------------------------------------------- JSON scanning (top level only) */
/* A scanner, not a parser: it accepts every valid JSON text, finds three top-level fields, and stops at the */
/* first syntax error. The server parses the text again with JSON.parse; where it is stricter, it reports. */

struct scan {
	const char *p, *end;
};

static void ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r')) s->p++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* Scans a string at s->p (which is at '"'). When `out` is given, the decoded text goes there if it is plain */
/* printable ASCII that fits (*plain = 1), else *plain = 0. Returns 0, or -1 on a syntax error. */
static int scan_string(struct scan *s, char *out, size_t cap, int *plain)
{
	size_t n = 0;
	if (plain) *plain = 1;
	s->p++; /* opening quote */
	while (s->p < s->end) {
		unsigned char c = (unsigned char)*s->p++;
		int ch = c;
		if (c == '"') {
			if (out) out[n] = '\0';
			return 0;
		}
		if (c < 0x20) return -1;
		if (c == '\\') {
			if (s->p >= s->end) return -1;
			char e = *s->p++;
			switch (e) {
			case '"': case '\\': case '/': ch = e; break;
			case 'b': ch = '\b'; break;
			case 'f': ch = '\f'; break;
			case 'n': ch = '\n'; break;
			case 'r': ch = '\r'; break;
			case 't': ch = '\t'; break;
			case 'u':
				if (s->end - s->p < 4) return -1;
				ch = 0;
				for (int i = 0; i < 4; i++) {
					int h = hexval(*s->p++);
					if (h < 0) return -1;
					ch = ch * 16 + h;
				}
				break;
			default: return -1;
			}
		}
		if (out) {
			if (ch < 0x21 || ch > 0x7e || n + 1 >= cap) *plain = 0;
			else if (*plain) out[n++] = (char)ch;
		}
	}
	return -1; /* unterminated */
}

/* Scans a number (JSON grammar); returns 0 or -1. */
static int scan_number(struct scan *s)
{
	const char *p = s->p, *e = s->end;
	if (p < e && *p == '-') p++;
	if (p < e && *p == '0') p++;
	else if (p < e && *p >= '1' && *p <= '9') while (p < e && *p >= '0' && *p <= '9') p++;
	else return -1;
	if (p < e && *p == '.') {
		p++;
		if (!(p < e && *p >= '0' && *p <= '9')) return -1;
		while (p < e && *p >= '0' && *p <= '9') p++;
	}
	if (p < e && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < e && (*p == '+' || *p == '-')) p++;
		if (!(p < e && *p >= '0' && *p <= '9')) return -1;
		while (p < e && *p >= '0' && *p <= '9') p++;
	}
	s->p = p;
	return 0;
}

static int scan_literal(struct scan *s, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0) return -1;
	s->p += n;
	return 0;
}

/* Scans "key" ws ':' ws inside an object. */
static int scan_key(struct scan *s, char *out, size_t cap, int *plain)
{
	ws(s);
	if (s->p >= s->end || *s->p != '"' || scan_string(s, out, cap, plain) < 0) return -1;
	ws(s);
	if (s->p >= s->end || *s->p != ':') return -1;
	s->p++;
	return 0;
}

/* Skips one value of any depth without recursion (a stack of expected closing brackets); 0 or -1. */
static int skip_value(struct scan *s)
{
	char closers[MAX_DEPTH];
	int depth = 0;
	for (;;) {
		ws(s);
		if (s->p >= s->end) return -1;
		char c = *s->p;
		int rc = 0;
		if (c == '{' || c == '[') {
			if (depth == MAX_DEPTH) return -1;
			closers[depth++] = c == '{' ? '}' : ']';
			s->p++;
			ws(s);
			if (s->p < s->end && *s->p == closers[depth - 1]) {
				s->p++;
				depth--;
			} else {
				if (c == '{' && scan_key(s, NULL, 0, NULL) < 0) return -1;
				continue; /* the first member's value */
			}
		} else if (c == '"') rc = scan_string(s, NULL, 0, NULL);
		else if (c == '-' || (c >= '0' && c <= '9')) rc = scan_number(s);
		else if (c == 't') rc = scan_literal(s, "true");
		else if (c == 'f') rc = scan_literal(s, "false");
		else if (c == 'n') rc = scan_literal(s, "null");
		else return -1;
		if (rc < 0) return -1;
		/* After a complete value: close containers or move on to the next element/member. */
		for (;;) {
			if (depth == 0) return 0;
			ws(s);
			if (s->p >= s->end) return -1;
			if (*s->p == closers[depth - 1]) {
				s->p++;
				depth--;
				continue;
			}
			if (*s->p != ',') return -1;
			s->p++;
			if (closers[depth - 1] == '}' && scan_key(s, NULL, 0, NULL) < 0) return -1;
			break;
		}
	}
}

struct conf {
	char socket[108]; /* sizeof(sun_path) */
	int timeout_s;
};

/* Scans the top-level object for cniVersion, socket and timeoutSeconds (the last occurrence wins, as in */
/* JSON.parse). Exits with a CNI error when stdin is not a JSON object or a field we need is unusable. */
static void scan_config(const char *text, size_t len, struct conf *c)
{
	struct scan s = {text, text + len};
	char key[32], version[16] = "";
	int plain, bad_socket = 0, bad_timeout = 0;
	ws(&s);
	if (s.p >= s.end || *s.p != '{') fail(E_DECODE, NULL, "network configuration must be a JSON object");
	s.p++;
	ws(&s);
	if (s.p < s.end && *s.p == '}') s.p++;
	else for (;;) {
		if (scan_key(&s, key, sizeof key, &plain) < 0) goto bad;
		ws(&s);
		const char *value = s.p;
		if (skip_value(&s) < 0) goto bad;
		struct scan v = {value, s.p};
		if (plain && strcmp(key, "cniVersion") == 0 && *value == '"') {
			int ok;
			scan_string(&v, version, sizeof version, &ok);
			if (!ok) version[0] = '\0';
		} else if (plain && strcmp(key, "socket") == 0) {
			int ok = 0;
			if (*value == '"') scan_string(&v, c->socket, sizeof c->socket, &ok);
			bad_socket = !ok || c->socket[0] != '/';
		} else if (plain && strcmp(key, "timeoutSeconds") == 0) {
			char num[32] = {0};
			double d = -1;
			if (*value == '-' || (*value >= '0' && *value <= '9')) {
				memcpy(num, value, (size_t)(s.p - value) < sizeof num - 1 ? (size_t)(s.p - value) : sizeof num - 1);
				d = strtod(num, NULL);
			}
			bad_timeout = !(d >= 1 && d <= 3600 && d == (double)(int)d);
			if (!bad_timeout) c->timeout_s = (int)d;
		}
		ws(&s);
		if (s.p < s.end && *s.p == ',') {
			s.p++;
			continue;
		}
		if (s.p < s.end && *s.p == '}') {
			s.p++;
			break;
		}
		goto bad;
	}
	ws(&s);
	if (s.p == s.end) {
		/* like the server: errors carry the config's cniVersion only when it parsed and is one we speak */
		if (strcmp(version, "1.0.0") == 0 || strcmp(version, "1.1.0") == 0) strcpy(reply_version, version);
		if (bad_socket)
			fail(E_CONFIG, NULL, "socket must be an absolute path of printable ASCII characters, at most 107 bytes");
		if (bad_timeout) fail(E_CONFIG, NULL, "timeoutSeconds must be an integer from 1 to 3600");
		return;
	}
bad:
	{
		char where[64];
		snprintf(where, sizeof where, "syntax error at byte %zu", (size_t)(s.p - text));
		fail(E_DECODE, where, "network configuration is not valid JSON");
	}
}

/* ---------------------------------------------------------------- the call */

/* Reads stdin to its end; `keep` 0 (VERSION) reads and drops it, so no size limit applies. */
static void read_stdin(struct buf *in, int keep)
{
	char chunk[65536];
	for (;;) {
		/* poll first: a runtime that never closes stdin must not hang us (stdin may also be non-blocking) */
		if (!wait_fd(0, POLLIN))
			fail(E_AGAIN, NULL, "stdin was not closed within %d s", DEFAULT_TIMEOUT_S);
		ssize_t r = read(0, chunk, sizeof chunk);
		if (r > 0 && keep) {
			if (in->len + (size_t)r > MAX_STDIN)
				fail(E_DECODE, NULL, "network configuration is larger than %u bytes", MAX_STDIN);
			append(in, chunk, (size_t)r);
		} else if (r > 0) {
			continue;
		} else if (r == 0) {
			return;
		} else if (errno != EINTR && errno != EAGAIN) {
			return; /* no stdin at all (closed, or not readable): an empty configuration */
		}
	}
}

/* Server-side failures: STATUS reports "not available" (50), everything else "try again later" (11). */
static int unreachable_code(const char *command)
{
	return command && strcmp(command, "STATUS") == 0 ? E_NOT_AVAILABLE : E_AGAIN;
}

static int connect_server(const struct conf *c, const char *command)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	strcpy(addr.sun_path, c->socket); /* length checked by scan_config (or the default) */
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) fail(E_INTERNAL, strerror(errno), "cannot create a unix socket");
	for (;;) {
		if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0) return fd;
		if (errno == EINTR) continue;
		/* A full backlog (EAGAIN) is transient: retry for a while. */
		if (errno == EAGAIN && now() < deadline) {
			usleep(2000);
			continue;
		}
		if (errno == EINPROGRESS) return fd;
		fail(unreachable_code(command), strerror(errno), "the porin CNI server is not reachable at %s", c->socket);
	}
}

static void send_all(int fd, const char *p, size_t n, const struct conf *c, const char *command)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
		} else if (w < 0 && errno == EAGAIN) {
			if (!wait_fd(fd, POLLOUT))
				fail(unreachable_code(command), NULL, "the porin CNI server at %s did not take the request within %d s", c->socket, c->timeout_s);
		} else if (w < 0 && errno != EINTR) {
			fail(unreachable_code(command), strerror(errno), "the porin CNI server at %s closed the connection", c->socket);
		}
	}
}

static void add_env(struct buf *req, const char *name)
{
	const char *v = getenv(name);
	if (!v) return;
	append(req, name, strlen(name));
	append(req, "=", 1);
	append(req, v, strlen(v) + 1); /* with its NUL */
}

int main(void)
{
	static const char *const vars[] = {"CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_ARGS", "CNI_PATH"};
	const char *command = getenv("CNI_COMMAND");
	struct buf in = {0}, req = {0}, answer = {0};
	struct conf c = {.socket = DEFAULT_SOCKET, .timeout_s = DEFAULT_TIMEOUT_S};
	signal(SIGPIPE, SIG_IGN);
	deadline = now() + DEFAULT_TIMEOUT_S;
	int version = command && strcmp(command, "VERSION") == 0;
	read_stdin(&in, !version);
	/* The one variable checked here (the server checks the rest): it decides whether the server is needed. */
	static const char *const commands[] = {"ADD", "DEL", "CHECK", "VERSION", "STATUS", "GC"};
	int known = 0;
	for (size_t i = 0; command && i < sizeof commands / sizeof commands[0]; i++) known |= strcmp(command, commands[i]) == 0;
	if (!known)
		fail(E_ENV, NULL, "invalid CNI_COMMAND: \"%s\" is not one of ADD, DEL, CHECK, VERSION, STATUS, GC", command ? command : "");
	if (version) {
		write_all(1, VERSION_ANSWER, strlen(VERSION_ANSWER));
		return 0;
	}
	scan_config(in.data ? in.data : "", in.len, &c);
	deadline = now() + c.timeout_s;

	static const char magic[] = "PORIN-CNI 1"; /* sent with its NUL */
	append(&req, magic, sizeof magic);
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) add_env(&req, vars[i]);
	struct stat ns;
	if (stat("/proc/self/ns/net", &ns) == 0) {
		char id[64];
		int n = snprintf(id, sizeof id, "PORIN_NETNS=%llu:%llu", (unsigned long long)ns.st_dev, (unsigned long long)ns.st_ino);
		append(&req, id, (size_t)n + 1);
	}
	append(&req, "", 1); /* end of the environment */
	if (in.len) append(&req, in.data, in.len);

	int fd = connect_server(&c, command);
	send_all(fd, req.data, req.len, &c, command);
	shutdown(fd, SHUT_WR);
	for (;;) {
		char chunk[65536];
		ssize_t r = recv(fd, chunk, sizeof chunk, 0);
		if (r > 0) {
			if (answer.len + (size_t)r > MAX_ANSWER) fail(E_INTERNAL, NULL, "the porin CNI server's answer is larger than %u bytes", MAX_ANSWER);
			append(&answer, chunk, (size_t)r);
		} else if (r == 0) {
			break;
		} else if (errno == EAGAIN) {
			if (!wait_fd(fd, POLLIN))
				fail(unreachable_code(command), NULL, "no answer from the porin CNI server at %s within %d s", c.socket, c.timeout_s);
		} else if (errno != EINTR) {
			fail(unreachable_code(command), strerror(errno), "the porin CNI server at %s closed the connection", c.socket);
		}
	}
	close(fd);
	/* "<status>\n<stdout>": a server that died mid-call leaves nothing, or less than the status line. */
	char *nl = answer.data ? memchr(answer.data, '\n', answer.len) : NULL;
	if (!nl)
		fail(unreachable_code(command), NULL, "the porin CNI server at %s closed the connection without answering", c.socket);
	char *end;
	long status = strtol(answer.data, &end, 10);
	if (end != nl || nl == answer.data || status < 0 || status > 255)
		fail(E_INTERNAL, NULL, "the porin CNI server at %s answered outside the protocol", c.socket);
	write_all(1, nl + 1, answer.len - (size_t)(nl + 1 - answer.data));
	return (int)status;
}
