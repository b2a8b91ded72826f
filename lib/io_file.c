#include "io_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

static rl_io_hook g_hook;   /* tests only; NULL in every real use */
static void *g_hook_user;

void rl__io_set_hook(rl_io_hook hook, void *user)
{
    g_hook = hook;
    g_hook_user = user;
}

/* Non-zero (with errno set) when the test hook fails this step. */
static int hook_fails(rl_io_step step, size_t offset, size_t *len)
{
    size_t none = 0;
    if (!g_hook || !g_hook(step, offset, len ? len : &none, g_hook_user))
        return 0;
    errno = step == RL_IO_WRITE ? ENOSPC : EIO;
    return 1;
}

static rl_status fail(rl_io_error *e, const char *step)
{
    e->step = step;
    e->err = errno;
    return RL_E_IO;
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

/* Creates "<path>.tmp.XXXXXX" exclusively, like mkstemp, but with mode 0666
 * (less the umask) so the saved file gets the permissions fopen() would give,
 * not mkstemp's 0600. */
static int create_temp(const char *path, char *tmp, size_t cap)
{
    static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = (uint64_t)getpid() << 32 ^ (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 20 ^
                 (uint64_t)(uintptr_t)tmp;
    for (int attempt = 0; attempt < 100; attempt++) {
        char suffix[7];
        x = mix(x + 0x9e3779b97f4a7c15ULL);
        for (int i = 0; i < 6; i++)
            suffix[i] = letters[(x >> (6 * i)) % (sizeof letters - 1)];
        suffix[6] = '\0';
        snprintf(tmp, cap, "%s.tmp.%s", path, suffix);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return -1;   /* errno is EEXIST */
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
    size_t at = 0;
    while (at < n) {
        size_t len = n - at;
        int injected = hook_fails(RL_IO_WRITE, at, &len);
        ssize_t k = len ? write(fd, p + at, len) : 0;
        if (injected) {
            errno = ENOSPC;
            return -1;
        }
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            if (k == 0)
                errno = EIO;
            return -1;
        }
        at += (size_t)k;
    }
    return 0;
}

/* Makes the rename itself durable; best effort, as some file systems
 * cannot fsync a directory. */
static void sync_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = NULL;
    if (slash) {
        size_t len = slash == path ? 1 : (size_t)(slash - path);
        dir = rl__calloc(len + 1, 1);
        if (!dir)
            return;
        memcpy(dir, path, len);
    }
    int fd = open(dir ? dir : ".", O_RDONLY | O_CLOEXEC);
    rl__free(dir);
    if (fd < 0)
        return;
    (void)fsync(fd);
    close(fd);
}

rl_status rl__file_write_atomic(const char *path, const void *data, size_t n, rl_io_error *e)
{
    size_t cap = strlen(path) + sizeof ".tmp.XXXXXX";
    char *tmp = rl__calloc(cap, 1);
    if (!tmp)
        return RL_E_NOMEM;
    rl_status st = RL_OK;
    int fd = -1;
    if (hook_fails(RL_IO_CREATE, 0, NULL) || (fd = create_temp(path, tmp, cap)) < 0) {
        st = fail(e, "create");
        rl__free(tmp);
        return st;
    }
    if (write_all(fd, data, n) != 0)
        st = fail(e, "write");
    else if (hook_fails(RL_IO_SYNC, 0, NULL) || fsync(fd) != 0)
        st = fail(e, "fsync");
    /* close() can report a delayed write error (NFS): it counts. */
    int closed = close(fd);
    if (st == RL_OK && (closed != 0 || hook_fails(RL_IO_CLOSE, 0, NULL)))
        st = fail(e, "close");
    if (st == RL_OK && (hook_fails(RL_IO_RENAME, 0, NULL) || rename(tmp, path) != 0))
        st = fail(e, "rename");
    if (st != RL_OK)
        unlink(tmp);
    else
        sync_parent_dir(path);
    rl__free(tmp);
    return st;
}

rl_status rl__file_open_read(const char *path, int *fd_out, uint64_t *size, rl_io_error *e)
{
    /* O_NONBLOCK: opening a FIFO without a writer (or a tty, a device)
     * returns at once instead of hanging the host; regular files ignore it. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return fail(e, "open");
    struct stat st;
    if (fstat(fd, &st) != 0) {
        rl_status s = fail(e, "stat");
        close(fd);
        return s;
    }
    if (!S_ISREG(st.st_mode) || st.st_size < 0) {
        close(fd);
        e->step = S_ISDIR(st.st_mode)    ? "not a regular file (a directory)"
                  : S_ISFIFO(st.st_mode) ? "not a regular file (a FIFO)"
                  : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)
                      ? "not a regular file (a device)"
                      : "not a regular file";
        e->err = 0;   /* no errno: the step says it all */
        return RL_E_IO;
    }
    *fd_out = fd;
    *size = (uint64_t)st.st_size;
    return RL_OK;
}

rl_status rl__file_read_at(int fd, void *buf, size_t n, uint64_t offset, rl_io_error *e)
{
    unsigned char *p = buf;
    size_t got = 0;
    while (got < n) {
        ssize_t k = pread(fd, p + got, n - got, (off_t)(offset + got));
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            if (k == 0)   /* the file shrank since fstat */
                errno = EIO;
            return fail(e, "read");
        }
        got += (size_t)k;
    }
    return RL_OK;
}
