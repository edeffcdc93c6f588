#define _GNU_SOURCE
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <unistd.h>
#include "system_shims.h"

int fs_peer_credentials(int fd, int *pid, unsigned int *uid, unsigned int *gid) {
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return -1;
    *pid = cred.pid;
    *uid = cred.uid;
    *gid = cred.gid;
    return 0;
}

int fs_accept_nonblocking(int listener) {
    return accept4(listener, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
}

int fs_pipe_nonblocking(int fds[2]) {
    return pipe2(fds, O_CLOEXEC | O_NONBLOCK);
}

// Set by the handler on whatever thread the signal lands, read by the daemon's stop
// service on another: a lock-free atomic (async-signal-safe), not volatile sig_atomic_t,
// which only orders a handler against its own thread (ThreadSanitizer flagged it).
static _Atomic int stop_signal = 0;

static void on_stop(int sig) { atomic_store_explicit(&stop_signal, sig, memory_order_release); }

void fs_install_stop_handler(void) {
    struct sigaction sa;
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

int fs_stop_requested(void) { return atomic_load_explicit(&stop_signal, memory_order_acquire); }

void fs_release_free_memory(void) { malloc_trim(0); }

void fs_tune_malloc(void) {
    // Two arenas, not eight per core: the daemon's threads (engine, control, the task
    // pool) otherwise each grow an arena of their own and keep its freed memory.
    mallopt(M_ARENA_MAX, 2);
    // Fixed thresholds: glibc's dynamic ones rise after the first large free, after which
    // feed bodies of a few hundred KB come from (and fragment) the heap instead of being
    // mapped and unmapped whole.
    mallopt(M_MMAP_THRESHOLD, 64 * 1024);
    mallopt(M_TRIM_THRESHOLD, 256 * 1024);
}

int fs_syncfs(int fd) { return syncfs(fd); }
