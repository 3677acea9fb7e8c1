/*
 * Helpers of the fuzz targets (see fuzz.h): a per-process scratch folder for inputs that
 * must be files, and the abort that reports a finding. Tuned for libFuzzer's loop: one
 * file rewritten in place per input, on a memory file system where there is one.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include "tests/fuzz/fuzz.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The scratch folder and the last file written in it (removed at exit). */
static char scratch_dir[256];
static char scratch_file[512];
static char aside_file[512];

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  remove(path);
  return 0;
}

/* Removes the scratch folder and whatever a target left in it. */
static void scratch_cleanup(void) {
  if (scratch_dir[0]) nftw(scratch_dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

void bk_fz_fail(const char *file, int line, const char *cond, const char *fmt, ...) {
  fprintf(stderr, "%s:%d: finding: %s: ", file, line, cond);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  abort();
}

static void scratch_init(void) {
  if (!scratch_dir[0]) {
    struct stat st;
    const char *root = getenv("BK_FUZZ_SCRATCH");
    if (!root || !*root) {
      root = getenv("TMPDIR");
      if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0)
        root = "/dev/shm";
    }
    if (!root || !*root) root = "/tmp";
    snprintf(scratch_dir, sizeof scratch_dir, "%s/bk-fuzz-%ld", root, (long)getpid());
    if (mkdir(scratch_dir, 0700) != 0 && access(scratch_dir, W_OK) != 0)
      bk_fz_fail(__FILE__, __LINE__, "mkdir", "cannot create %s", scratch_dir);
    atexit(scratch_cleanup);
  }
}

const char *bk_fz_dir(void) {
  scratch_init();
  return scratch_dir;
}

const char *bk_fz_file_aside(const char *name) {
  scratch_init();
  char path[512];
  snprintf(path, sizeof path, "%s/%s", scratch_dir, name);
  if (aside_file[0] && strcmp(aside_file, path) != 0) unlink(aside_file);
  snprintf(aside_file, sizeof aside_file, "%s", path);
  return aside_file;
}

const char *bk_fz_file(const char *name, const uint8_t *data, size_t size) {
  scratch_init();
  char path[512];
  snprintf(path, sizeof path, "%s/%s", scratch_dir, name);
  if (scratch_file[0] && strcmp(scratch_file, path) != 0) unlink(scratch_file);
  snprintf(scratch_file, sizeof scratch_file, "%s", path);
  FILE *f = fopen(scratch_file, "wb");
  if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
    bk_fz_fail(__FILE__, __LINE__, "write", "cannot write %s", scratch_file);
  return scratch_file;
}

int bk_fz_command(int (*cmd)(int, char **), int argc, char **argv, char *msg, size_t cap) {
  const char *err_path = bk_fz_file_aside("stderr.txt");
  fflush(stderr);
  int saved = dup(2);
  int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (saved < 0 || fd < 0) bk_fz_fail(__FILE__, __LINE__, "dup", "cannot redirect stderr");
  dup2(fd, 2);
  close(fd);
  int code = cmd(argc, argv);
  fflush(stdout);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  msg[0] = '\0';
  FILE *f = fopen(err_path, "r");
  if (f) {
    size_t n = fread(msg, 1, cap - 1, f);
    msg[n] = '\0';
    fclose(f);
  }
  return code;
}
