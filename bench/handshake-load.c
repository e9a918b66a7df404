/*
 * A raw load generator for the handshake benchmark, in C: a check that
 * bench/load.ts (Node) is not what limits the figures. Its loop is the same
 * as load.ts's `--mode handshake`: `--connections` loops that each open a
 * TCP connection, send the same upgrade request, wait for the end of a
 * `101 Switching Protocols` head and reset the connection (SO_LINGER 0: no
 * TIME_WAIT left behind). One thread, epoll, no allocation per connection.
 *
 * Measured on this machine (Node 24 servers, both pinned): load.ts spends
 * about 90 us of CPU per handshake, about as much as our server (~105 us):
 * with a server faster than ws, the Node client is near its own limit and
 * squeezes the ratio. This one spends a small fraction of that.
 *
 * Build: cc -O2 -o .build-bench/handshake-load bench/handshake-load.c
 * Usage: handshake-load --port P [--pid SERVER_PID] [--connections 16]
 *        [--seconds 1.5] [--warmup 0.5] [--count N]
 * With --count, it stops after N handshakes (counted from the end of the
 * warm-up) rather than after --seconds: bench/handshake-instructions.sh runs
 * a fixed number of handshakes under callgrind.
 * Prints one `RESULT {...}` line, with the fields of load.ts's.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNECTIONS 1024

static int port = 0, server_pid = 0, connections = 16;
static double seconds = 1.5, warmup = 0.5;
static long max_count = 0;
static char request[512];
static int request_length;

struct conn {
  int fd;
  int sent;
  int have;
  char head[1024];
};
static struct conn conns[MAX_CONNECTIONS];
static int epoll_fd;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static double own_cpu(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}

/* utime + stime of the server, from /proc/<pid>/stat (fields 14 and 15). */
static double server_cpu(void) {
  if (server_pid == 0) return 0;
  char path[64], text[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", server_pid);
  FILE *f = fopen(path, "r");
  if (f == NULL) return 0;
  size_t n = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[n] = 0;
  char *p = strrchr(text, ')');
  if (p == NULL) return 0;
  p += 2;
  unsigned long utime = 0, stime = 0;
  for (int field = 3; field <= 15 && p != NULL; field++) {
    if (field == 14) utime = strtoul(p, NULL, 10);
    if (field == 15) stime = strtoul(p, NULL, 10);
    p = strchr(p, ' ');
    if (p != NULL) p++;
  }
  return (utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

/* Busy seconds of cores 0 and 1 (everything but idle and iowait), from /proc/stat. */
static void cores_busy(double busy[2]) {
  busy[0] = busy[1] = 0;
  FILE *f = fopen("/proc/stat", "r");
  if (f == NULL) return;
  char line[512];
  while (fgets(line, sizeof line, f) != NULL) {
    int core;
    unsigned long long v[8];
    if (sscanf(line, "cpu%d %llu %llu %llu %llu %llu %llu %llu %llu", &core, &v[0], &v[1], &v[2],
               &v[3], &v[4], &v[5], &v[6], &v[7]) == 9 &&
        core >= 0 && core <= 1) {
      unsigned long long total = 0;
      for (int i = 0; i < 8; i++) total += v[i];
      busy[core] = (total - v[3] - v[4]) / (double)sysconf(_SC_CLK_TCK);
    }
  }
  fclose(f);
}

static void fail(const char *what) {
  fprintf(stderr, "handshake-load: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void start(struct conn *c) {
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (c->fd < 0) fail("socket");
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(c->fd, (struct sockaddr *)&addr, sizeof addr) < 0 && errno != EINPROGRESS)
    fail("connect");
  c->sent = 0;
  c->have = 0;
  struct epoll_event event = {.events = EPOLLOUT | EPOLLIN, .data.ptr = c};
  if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, c->fd, &event) < 0) fail("epoll_ctl");
}

static void reset(struct conn *c) {
  struct linger linger = {.l_onoff = 1, .l_linger = 0};
  setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &linger, sizeof linger);
  close(c->fd);
}

int main(int argc, char **argv) {
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--port") == 0) port = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--pid") == 0) server_pid = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--connections") == 0) connections = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--seconds") == 0) seconds = atof(argv[i + 1]);
    else if (strcmp(argv[i], "--warmup") == 0) warmup = atof(argv[i + 1]);
    else if (strcmp(argv[i], "--count") == 0) max_count = atol(argv[i + 1]);
  }
  if (port == 0 || connections < 1 || connections > MAX_CONNECTIONS) {
    fprintf(stderr, "usage: handshake-load --port P [--pid PID] [--connections N]\n");
    return 2;
  }
  request_length = snprintf(request, sizeof request,
                            "GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                            "Sec-WebSocket-Version: 13\r\n\r\n",
                            port);
  epoll_fd = epoll_create1(0);
  for (int i = 0; i < connections; i++) start(&conns[i]);
  long count = 0, count0 = 0;
  double started = now(), t0 = 0, server0 = 0, own0 = 0, busy0[2];
  int measuring = 0;
  struct epoll_event events[64];
  for (;;) {
    double t = now();
    if (!measuring && t - started >= warmup) {
      measuring = 1;
      t0 = t;
      count0 = count;
      server0 = server_cpu();
      own0 = own_cpu();
      cores_busy(busy0);
    }
    if (measuring && (max_count > 0 ? count - count0 >= max_count : t - t0 >= seconds)) break;
    int n = epoll_wait(epoll_fd, events, 64, 100);
    for (int i = 0; i < n; i++) {
      struct conn *c = events[i].data.ptr;
      if (events[i].events & (EPOLLERR | EPOLLHUP)) {
        fprintf(stderr, "handshake-load: the server closed a connection during its handshake\n");
        return 1;
      }
      if (!c->sent && (events[i].events & EPOLLOUT)) {
        if (write(c->fd, request, request_length) != request_length) fail("write");
        c->sent = 1;
        struct epoll_event event = {.events = EPOLLIN, .data.ptr = c};
        epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c->fd, &event);
      }
      if (events[i].events & EPOLLIN) {
        ssize_t got = read(c->fd, c->head + c->have, sizeof c->head - 1 - c->have);
        if (got <= 0) {
          fprintf(stderr, "handshake-load: the server closed a connection during its handshake\n");
          return 1;
        }
        c->have += got;
        c->head[c->have] = 0;
        if (strstr(c->head, "\r\n\r\n") == NULL) continue;
        if (strncmp(c->head, "HTTP/1.1 101", 12) != 0) {
          fprintf(stderr, "handshake-load: not a 101: %.40s\n", c->head);
          return 1;
        }
        count++;
        reset(c);
        start(c);
      }
    }
  }
  double t1 = now(), busy1[2];
  double elapsed = t1 - t0, server = server_cpu() - server0, own = own_cpu() - own0;
  cores_busy(busy1);
  printf("RESULT {\"mode\":\"handshake\",\"count\":%ld,\"seconds\":%.3f,\"rate\":%.1f,"
         "\"serverCpu\":%.4f,\"loadCpu\":%.4f,\"otherCpu0\":%.4f,\"otherCpu1\":%.4f}\n",
         count - count0, elapsed, (count - count0) / elapsed, server / elapsed, own / elapsed,
         (busy1[0] - busy0[0] - server) / elapsed, (busy1[1] - busy0[1] - own) / elapsed);
  return 0;
}
