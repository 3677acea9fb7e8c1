/*
 * What every fuzz target shares: the libFuzzer entry point (built with libFuzzer under
 * BK_FUZZ, else driven by replay_main.c over the target's corpus folder) and a scratch
 * file for the targets whose code under test reads a path, not a buffer.
 */
#ifndef BK_FUZZ_H
#define BK_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Runs one input through the code under test. Returns 0; a finding aborts. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Writes size bytes to a file called name in a scratch folder of this process (under
 * $BK_FUZZ_SCRATCH when set, else /dev/shm when it exists, else $TMPDIR or /tmp) and
 * returns its path, valid until the next call. The folder and everything in it are
 * removed at a normal exit; a finding leaves it, with whatever the target wrote there.
 * Aborts when the file cannot be written. */
const char *bk_fz_file(const char *name, const uint8_t *data, size_t size);

/* The scratch folder itself, for targets that lay out several files (all removed at a
 * normal exit). */
const char *bk_fz_dir(void);

/* The path of another file called name in the same scratch folder (not written; removed
 * at exit), e.g. to capture a command's stderr. Valid until the next call. A sanitizer
 * report raised while stderr points there lands in that file: run.sh prints it. */
const char *bk_fz_file_aside(const char *name);

/* Runs a command's entry point (`backstop CMD ...` without the program name) with its
 * stderr captured in the scratch folder, and copies what it wrote (cut to cap - 1 bytes)
 * into msg. Returns the command's exit code. A sanitizer report raised meanwhile lands in
 * that file, which a finding leaves behind (run.sh prints it). */
int bk_fz_command(int (*cmd)(int, char **), int argc, char **argv, char *msg, size_t cap);

/* Aborts with a message on stderr: a finding. */
#define BK_FZ_CHECK(cond, ...)                                                           \
  do {                                                                                   \
    if (!(cond)) bk_fz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);                    \
  } while (0)

void bk_fz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5), noreturn))
#endif
    ;

#endif
