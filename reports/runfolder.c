/*
 * A run folder written as one transaction (see runfolder.h).
 *
 * A run commits once, so everything here favours being obviously right over speed: a
 * handful of system calls, paths in fixed buffers (PATH_MAX), a directory scan of the
 * parent at the start. Every mkdir, fsync and rename of the commit counts as an
 * injectable call of outfile.h's fault hook, so tests can fail or kill the commit at each
 * step and check that TARGET always holds one complete report.
 */
#define _GNU_SOURCE /* flock, renameat2 */
#include "reports/runfolder.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "reports/outfile.h"
#include "reports/report.h"

#define RF_NAMES 16   /* report files the signal handler knows, plain and ".tmp.<pid>" */
#define RF_PATH 3072  /* the longest target path taken */

struct bk_runfolder {
  char target[RF_PATH];     /* as given, trailing slashes removed */
  char parent[RF_PATH];     /* "." when target has no slash */
  char base[NAME_MAX + 1];  /* the last component of target */
  char lock[RF_PATH + 64];  /* target.lock */
  char tmp[RF_PATH + 64];   /* target.tmp.<pid>.<hex>: the private folder */
  int lock_fd;            /* holds the flock; -1 when none */
  volatile sig_atomic_t have_tmp; /* tmp exists (the new report before the swap, the
                                     previous one after it) */
  /* for the signal handler: every file that can be inside tmp, full paths */
  char sig_files[2 * RF_NAMES][RF_PATH + 160];
  volatile sig_atomic_t nsig_files;
};

/* The run folder in progress, for bk_runfolder_on_signal. */
static bk_runfolder *volatile active;

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int starts_with(const char *s, const char *prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* 1 when n is file or file.tmp.<digits> (a temporary file of an older version). */
static int is_or_tmp_of(const char *n, const char *file) {
  size_t k = strlen(file);
  if (strncmp(n, file, k) != 0) return 0;
  if (!n[k]) return 1;
  if (strncmp(n + k, ".tmp.", 5) != 0) return 0;
  const char *d = n + k + 5;
  return *d && strspn(d, "0123456789") == strlen(d);
}

/* 1 when a file of this name may sit in an existing run folder that a run replaces:
 * what a run writes, what `backstop chart` renders, the brief `backstop report --pdf`
 * writes, older versions' temporary files. */
static int report_name(const char *n) {
  for (size_t i = 0; bk_report_files[i]; i++)
    if (is_or_tmp_of(n, bk_report_files[i])) return 1;
  for (size_t i = 0; bk_report_optional_files[i]; i++)
    if (is_or_tmp_of(n, bk_report_optional_files[i])) return 1;
  if (!strcmp(n, "brief.pdf")) return 1;
  return (starts_with(n, "fund_") || starts_with(n, "flows_")) &&
         (ends_with(n, ".png") || ends_with(n, ".pdf") || ends_with(n, ".svg"));
}

/* Removes path and, for a folder, everything under it, never following symbolic links.
 * Returns 0 when it is gone. */
static int rm_tree(const char *path) {
  struct stat st;
  if (lstat(path, &st) != 0) return errno == ENOENT ? 0 : -1;
  if (!S_ISDIR(st.st_mode)) return unlink(path);
  DIR *d = opendir(path);
  if (d) {
    struct dirent *e;
    char p[PATH_MAX];
    while ((e = readdir(d)) != NULL) {
      if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
      if (snprintf(p, sizeof p, "%s/%s", path, e->d_name) < (int)sizeof p) rm_tree(p);
    }
    closedir(d);
  }
  return rmdir(path);
}

static int fsync_dir(const char *path) {
  if (bk_outfile_fault()) return -1;
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -1;
  int r = fsync(fd);
  int e = errno;
  close(fd);
  errno = e;
  return r;
}

/* The pid a name of a dead run's leftover carries: base.tmp.<pid>.<hex> or
 * base.old.<pid>; 0 when the name is not one. */
static long leftover_pid(const char *name, const char *base, int *old) {
  size_t k = strlen(base);
  if (strncmp(name, base, k) != 0) return 0;
  const char *p = name + k;
  if (starts_with(p, ".tmp.")) *old = 0;
  else if (starts_with(p, ".old.")) *old = 1;
  else return 0;
  p += 5;
  char *end;
  errno = 0;
  long pid = strtol(p, &end, 10);
  if (errno || end == p || pid <= 0 || *p < '0' || *p > '9') return 0;
  if (*old) return *end == '\0' ? pid : 0;
  if (*end != '.' || !end[1]) return 0;
  for (const char *h = end + 1; *h; h++)
    if (!((*h >= '0' && *h <= '9') || (*h >= 'a' && *h <= 'f'))) return 0;
  return pid;
}

/* With the lock held: removes leftovers of runs that died (killed, power cut) beside
 * the target, and puts back a previous report a run killed mid-replace left aside. */
static void clean_leftovers(bk_runfolder *rf, FILE *log) {
  DIR *d = opendir(rf->parent);
  if (!d) return;
  struct dirent *e;
  char p[PATH_MAX];
  while ((e = readdir(d)) != NULL) {
    int old = 0;
    long pid = leftover_pid(e->d_name, rf->base, &old);
    if (!pid || pid == (long)getpid()) continue;
    if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) {
      if (log)
        fprintf(log, "backstop: %s/%s: left alone: process %ld, which made it, still runs\n",
                rf->parent, e->d_name, pid);
      continue;
    }
    if (snprintf(p, sizeof p, "%s/%s", rf->parent, e->d_name) >= (int)sizeof p) continue;
    struct stat st;
    if (old && lstat(rf->target, &st) != 0 && errno == ENOENT && rename(p, rf->target) == 0) {
      if (log)
        fprintf(log, "backstop: %s: put back the previous report from %s, left by a run "
                     "(pid %ld) killed while replacing it\n", rf->target, p, pid);
      continue;
    }
    int gone = rm_tree(p) == 0;
    if (log)
      fprintf(log, "backstop: %s: %s, left by a run (pid %ld) that no longer runs\n", p,
              gone ? "removed" : "could not remove it", pid);
  }
  closedir(d);
}

/* Takes the lock; BK_EWRITE with *holder set when another run has it. */
static bk_rc take_lock(bk_runfolder *rf, long *holder, bk_err *err) {
  for (int attempt = 0; attempt < 8; attempt++) {
    int fd = open(rf->lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
      return bk_err_set(err, BK_EWRITE, "%s: cannot create the lock file %s: %s", rf->target,
                        rf->lock, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int e = errno;
      char b[32] = "";
      ssize_t n = pread(fd, b, sizeof b - 1, 0);
      close(fd);
      if (e != EWOULDBLOCK)
        return bk_err_set(err, BK_EWRITE, "%s: cannot lock %s: %s", rf->target, rf->lock,
                          strerror(e));
      b[n > 0 ? n : 0] = '\0';
      long pid = strtol(b, NULL, 10);
      *holder = pid > 0 ? pid : -1;
      if (pid > 0)
        return bk_err_set(err, BK_EWRITE, "%s: another backstop run (pid %ld) is writing this "
                          "run folder (lock %s); wait for it to end or choose another -o",
                          rf->target, pid, rf->lock);
      return bk_err_set(err, BK_EWRITE, "%s: another backstop run is writing this run folder "
                        "(lock %s); wait for it to end or choose another -o", rf->target,
                        rf->lock);
    }
    /* the lock file may have been removed by the run that just ended: then this lock
       protects nothing, and the next attempt creates the file again */
    struct stat a, b;
    if (fstat(fd, &a) == 0 && stat(rf->lock, &b) == 0 && a.st_ino == b.st_ino &&
        a.st_dev == b.st_dev) {
      char pid[32];
      int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
      if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
        /* the pid only improves the message of a refused run */
      }
      rf->lock_fd = fd;
      return BK_OK;
    }
    close(fd);
  }
  return bk_err_set(err, BK_EWRITE, "%s: cannot take the lock %s: it keeps being replaced",
                    rf->target, rf->lock);
}

/* mkdir -p of the target's parent. */
static bk_rc make_parent(bk_runfolder *rf, bk_err *err) {
  char buf[PATH_MAX];
  snprintf(buf, sizeof buf, "%s", rf->parent);
  for (char *p = buf + 1;; p++) {
    if (*p == '/' || *p == '\0') {
      char c = *p;
      *p = '\0';
      if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return bk_err_set(err, BK_EWRITE, "%s: cannot create its folder %s: %s", rf->target,
                          buf, strerror(errno));
      *p = c;
      if (!c) break;
    }
  }
  return BK_OK;
}

/* An existing target must be a folder holding only report files. */
static bk_rc check_target(const bk_runfolder *rf, bk_err *err) {
  struct stat st;
  if (lstat(rf->target, &st) != 0) {
    if (errno == ENOENT) return BK_OK;
    return bk_err_set(err, BK_EWRITE, "%s: cannot use as the run folder: %s", rf->target,
                      strerror(errno));
  }
  if (S_ISLNK(st.st_mode))
    return bk_err_set(err, BK_EWRITE, "%s: is a symbolic link; a run replaces its folder as a "
                      "whole, so give the folder it points to", rf->target);
  if (!S_ISDIR(st.st_mode))
    return bk_err_set(err, BK_EWRITE, "%s: exists and is not a folder (a run writes a folder "
                      "of reports there)", rf->target);
  DIR *d = opendir(rf->target);
  if (!d)
    return bk_err_set(err, BK_EWRITE, "%s: cannot read the folder: %s", rf->target,
                      strerror(errno));
  struct dirent *e;
  bk_rc rc = BK_OK;
  while (!rc && (e = readdir(d)) != NULL) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    if (!report_name(e->d_name))
      rc = bk_err_set(err, BK_EWRITE, "%s: holds %s, which is not part of a backstop report; "
                      "a run replaces the whole folder, so give a new or empty folder",
                      rf->target, e->d_name);
  }
  closedir(d);
  return rc;
}

static void add_sig_file(bk_runfolder *rf, const char *name, const char *suffix) {
  if (rf->nsig_files >= 2 * RF_NAMES) return;
  snprintf(rf->sig_files[rf->nsig_files], sizeof rf->sig_files[0], "%s/%.60s%.30s", rf->tmp,
           name, suffix);
  rf->nsig_files++;
}

bk_rc bk_runfolder_begin(const char *target, FILE *log, bk_runfolder **out, long *holder,
                         bk_err *err) {
  *out = NULL;
  *holder = 0;
  bk_runfolder *rf = calloc(1, sizeof *rf);
  if (!rf) return bk_err_set(err, BK_ENOMEM, "%s: out of memory", target);
  rf->lock_fd = -1;
  bk_rc rc = BK_OK;
  size_t n = strlen(target);
  while (n > 1 && target[n - 1] == '/') n--;
  if (n == 0 || n >= sizeof rf->target) {
    rc = bk_err_set(err, BK_EWRITE, "\"%s\": not a usable run folder path", target);
    goto fail;
  }
  memcpy(rf->target, target, n);
  rf->target[n] = '\0';
  const char *slash = strrchr(rf->target, '/');
  const char *base = slash ? slash + 1 : rf->target;
  if (!*base || !strcmp(base, ".") || !strcmp(base, "..") || strlen(base) + 40 > NAME_MAX) {
    rc = bk_err_set(err, BK_EWRITE, "%s: name the run folder itself (a run replaces it as a "
                    "whole), not '/', '.' or '..'", target);
    goto fail;
  }
  memcpy(rf->base, base, strlen(base) + 1);
  if (!slash) snprintf(rf->parent, sizeof rf->parent, ".");
  else if (slash == rf->target) snprintf(rf->parent, sizeof rf->parent, "/");
  else snprintf(rf->parent, sizeof rf->parent, "%.*s", (int)(slash - rf->target), rf->target);
  snprintf(rf->lock, sizeof rf->lock, "%s.lock", rf->target);
  if ((rc = check_target(rf, err)) || (rc = make_parent(rf, err))) goto fail;
  if (access(rf->parent, W_OK | X_OK) != 0) {
    rc = bk_err_set(err, BK_EWRITE, "%s: cannot write in its folder %s: %s", rf->target,
                    rf->parent, strerror(errno));
    goto fail;
  }
  if ((rc = take_lock(rf, holder, err))) goto fail;
  active = rf; /* from now on a signal removes the lock file (and the private folder) */
  clean_leftovers(rf, log);
  /* the check again: a killed run's previous report may have been put back */
  if ((rc = check_target(rf, err))) goto fail;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint32_t r = (uint32_t)ts.tv_nsec ^ ((uint32_t)ts.tv_sec << 12) ^ ((uint32_t)getpid() << 20);
  for (uint32_t attempt = 0;; attempt++) {
    snprintf(rf->tmp, sizeof rf->tmp, "%s.tmp.%ld.%08lx", rf->target, (long)getpid(),
             (unsigned long)(r + attempt * 0x9e3779b9u));
    if (!bk_outfile_fault() && mkdir(rf->tmp, 0777) == 0) break;
    if (errno != EEXIST || attempt == 8) {
      rc = bk_err_set(err, BK_EWRITE, "%s: cannot create a folder in %s: %s", rf->target,
                      rf->parent, strerror(errno));
      goto fail;
    }
  }
  char suffix[32];
  snprintf(suffix, sizeof suffix, ".tmp.%ld", (long)getpid());
  for (size_t i = 0; bk_report_files[i]; i++) {
    add_sig_file(rf, bk_report_files[i], "");
    add_sig_file(rf, bk_report_files[i], suffix);
  }
  for (size_t i = 0; bk_report_optional_files[i]; i++) {
    add_sig_file(rf, bk_report_optional_files[i], "");
    add_sig_file(rf, bk_report_optional_files[i], suffix);
  }
  rf->have_tmp = 1;
  *out = rf;
  return BK_OK;
fail:
  bk_runfolder_end(rf);
  return rc;
}

const char *bk_runfolder_dir(const bk_runfolder *rf) { return rf->tmp; }

/* Blocks or unblocks the signals a user stops a run with. */
static void block_stops(int how, sigset_t *old) {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGINT);
  sigaddset(&s, SIGTERM);
  sigaddset(&s, SIGHUP);
  sigprocmask(how, how == SIG_SETMASK ? old : &s, how == SIG_SETMASK ? NULL : old);
}

/* 1 when the swap must not use RENAME_EXCHANGE: debug builds' BK_RENAME_EXCHANGE=0, so
 * tests can take the path of file systems without it. */
static int exchange_off(void) {
#ifdef NDEBUG
  return 0;
#else
  const char *v = getenv("BK_RENAME_EXCHANGE");
  return v && !strcmp(v, "0");
#endif
}

/* Swaps tmp and target (both exist). 0, or -1 with errno. */
static int exchange(const bk_runfolder *rf) {
  if (bk_outfile_fault()) return -1;
  return renameat2(AT_FDCWD, rf->tmp, AT_FDCWD, rf->target, RENAME_EXCHANGE);
}

bk_rc bk_runfolder_commit(bk_runfolder *rf, bk_err *err) {
  bk_runfolder_pause("commit");
  bk_rc rc = BK_OK;
  if (fsync_dir(rf->tmp) != 0)
    return bk_err_set(err, BK_EWRITE, "%s: cannot fsync the new report %s: %s", rf->target,
                      rf->tmp, strerror(errno));
  if ((rc = check_target(rf, err))) return rc;
  sigset_t old;
  block_stops(SIG_BLOCK, &old);
  struct stat st;
  int had = lstat(rf->target, &st) == 0;
  char aside[RF_PATH + 64];
  snprintf(aside, sizeof aside, "%s.old.%ld", rf->target, (long)getpid());
  int how = 0; /* 0: renamed into place; 1: exchanged; 2: previous moved aside */
  if (!had) {
    if (bk_outfile_fault() || rename(rf->tmp, rf->target) != 0) {
      rc = bk_err_set(err, BK_EWRITE, "%s: cannot rename %s into place: %s", rf->target,
                      rf->tmp, strerror(errno));
      goto out;
    }
    rf->have_tmp = 0;
  } else if (!exchange_off() && exchange(rf) == 0) {
    how = 1;
  } else if (exchange_off() || errno == EINVAL || errno == ENOSYS || errno == ENOTSUP) {
    /* no exchange on this file system: the previous report aside, then the new one in */
    if (bk_outfile_fault() || rename(rf->target, aside) != 0) {
      rc = bk_err_set(err, BK_EWRITE, "%s: cannot move the previous report aside to %s: %s",
                      rf->target, aside, strerror(errno));
      goto out;
    }
    if (bk_outfile_fault() || rename(rf->tmp, rf->target) != 0) {
      rc = bk_err_set(err, BK_EWRITE, "%s: cannot rename %s into place: %s", rf->target,
                      rf->tmp, strerror(errno));
      rename(aside, rf->target);
      goto out;
    }
    how = 2;
  } else {
    rc = bk_err_set(err, BK_EWRITE, "%s: cannot swap in the new report %s: %s", rf->target,
                    rf->tmp, strerror(errno));
    goto out;
  }
  if (fsync_dir(rf->parent) != 0) {
    /* not durable: undo, so the caller's error and the folder agree */
    rc = bk_err_set(err, BK_EWRITE, "%s: cannot fsync its folder %s: %s", rf->target,
                    rf->parent, strerror(errno));
    if (how == 0 && rename(rf->target, rf->tmp) == 0) rf->have_tmp = 1;
    else if (how == 1) exchange(rf);
    else if (how == 2 && rename(rf->target, rf->tmp) == 0) rename(aside, rf->target);
    goto out;
  }
  if (how == 2) rm_tree(aside);
out:
  /* the private folder now holds the new report (failure) or the previous one */
  if (rf->have_tmp) {
    rm_tree(rf->tmp);
    rf->have_tmp = 0;
  }
  block_stops(SIG_SETMASK, &old);
  return rc;
}

void bk_runfolder_on_signal(void) {
  bk_runfolder *rf = active;
  if (!rf) return;
  if (rf->have_tmp) {
    for (sig_atomic_t i = 0; i < rf->nsig_files; i++) unlink(rf->sig_files[i]);
    rmdir(rf->tmp);
  }
  if (rf->lock_fd >= 0) unlink(rf->lock);
}

void bk_runfolder_end(bk_runfolder *rf) {
  if (!rf) return;
  if (rf->have_tmp) rm_tree(rf->tmp);
  rf->have_tmp = 0;
  if (active == rf) active = NULL;
  if (rf->lock_fd >= 0) {
    unlink(rf->lock); /* while still holding it: see take_lock */
    close(rf->lock_fd);
  }
  free(rf);
}

void bk_runfolder_pause(const char *step) {
#ifdef NDEBUG
  (void)step;
#else
  const char *at = getenv("BK_PAUSE_AT");
  if (!at || strcmp(at, step) != 0) return;
  fprintf(stderr, "backstop: paused at %s (pid %ld)\n", step, (long)getpid());
  fflush(stderr);
  for (int i = 0; i < 300; i++) {
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
#endif
}
