#ifndef FEEDSPOOL_SYSTEM_SHIMS_H
#define FEEDSPOOL_SYSTEM_SHIMS_H

// Linux calls that glibc declares only under _GNU_SOURCE, which Swift's Glibc module does
// not see: defined in system_shims.c, compiled with it.

/// The peer's credentials of a Unix socket (SO_PEERCRED); 0 on success, -1 with errno.
int fs_peer_credentials(int fd, int *pid, unsigned int *uid, unsigned int *gid);

/// accept4 with SOCK_CLOEXEC | SOCK_NONBLOCK.
int fs_accept_nonblocking(int listener);

/// pipe2 with O_CLOEXEC | O_NONBLOCK.
int fs_pipe_nonblocking(int fds[2]);

/// Installs a SIGTERM/SIGINT handler that only records the request (async-signal-safe), so
/// that a stop asked for at any moment — during start-up too — is seen by the service loop.
void fs_install_stop_handler(void);

/// The signal that asked to stop (SIGTERM or SIGINT), or 0.
int fs_stop_requested(void);

/// Returns freed heap memory to the system (glibc malloc_trim(0)).
void fs_release_free_memory(void);

/// Bounds glibc malloc's memory for a long-running, multi-threaded process: two arenas,
/// fixed mmap and trim thresholds. Call before any thread starts.
void fs_tune_malloc(void);

/// syncfs: writes back every dirty page and inode of the filesystem holding `fd`; fails
/// (with errno) when a write-back error happened on it since `fd` was opened (Linux 5.8+).
int fs_syncfs(int fd);

#endif
