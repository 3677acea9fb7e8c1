/*
 * Output files that never look finished when they are not.
 *
 * Every file backstop writes (reports, generated data) goes through a bk_outfile: bytes
 * go to "<path>.tmp.<pid>" in the same folder, and only bk_outfile_commit, after every
 * write and the close succeeded, renames it to its final name. bk_outfile_abort (or a
 * failed commit) removes the temporary file. A path ending in ".zst" is compressed with
 * zstd on the fly (with a checksum), so generated data can be written compressed.
 *
 * Tests can make the Nth write, fsync or rename fail (bk_outfile_fail_after), or raise a
 * signal there (bk_outfile_kill_after), to prove that every caller turns the failure
 * into a clear error and leaves no final file behind.
 */
#ifndef BK_OUTFILE_H
#define BK_OUTFILE_H

#include <stddef.h>

#include "engine/error.h"

typedef struct bk_outfile bk_outfile;

/* Opens the temporary file for path into *out. BK_EWRITE (the folder is missing or not
 * writable) or BK_ENOMEM with *out NULL and the reason in err (may be NULL). */
bk_rc bk_outfile_open(const char *path, bk_outfile **out, bk_err *err);

/* Appends n bytes (buffered). Returns BK_OK or BK_EWRITE; after an error every further
 * call fails the same way, so a caller may check only at commit. */
bk_rc bk_outfile_write(bk_outfile *o, const void *p, size_t n);

/* printf-style append, same errors as bk_outfile_write. */
bk_rc bk_outfile_printf(bk_outfile *o, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Flushes, fsyncs, closes and renames to the final name, then frees o. On any failure the
 * temporary file is removed, no file appears under the final name, and the error (with
 * the path and the OS reason) is returned and copied to *err. */
bk_rc bk_outfile_commit(bk_outfile *o, bk_err *err);

/* Commits n files as a set: all of them appear under their final names, or none does
 * (on a failure the remaining files are aborted and those already renamed are removed
 * again). NULL entries are skipped. Frees every file either way; the first error is
 * returned and copied to *err. */
bk_rc bk_outfile_commit_all(bk_outfile **o, size_t n, bk_err *err);

/* Discards everything written: closes and removes the temporary file, frees o.
 * NULL is fine. */
void bk_outfile_abort(bk_outfile *o);

/* The first error of o (rc BK_OK when none), naming the file and the OS reason. */
const bk_err *bk_outfile_error(const bk_outfile *o);

/* The final path this file will have. */
const char *bk_outfile_path(const bk_outfile *o);

/* Fault injection for tests: the n-th injectable call from now on fails with EIO (n = 1
 * is the next one; 0 disables). Injectable calls are every write(2), fsync(2) and
 * rename(2) of an outfile and every mkdir, fsync and rename of a run folder's commit
 * (runfolder.h). Returns how many such calls were issued since the last call, so a test
 * can sweep n over a whole run. */
unsigned long bk_outfile_fail_after(unsigned long n);

/* The same, but the n-th call raises signal sig instead of failing (SIGKILL stands for
 * a crash or a power cut at that step, SIGTERM for a user's interrupt); if sig is blocked
 * the call then fails as with bk_outfile_fail_after. */
unsigned long bk_outfile_kill_after(unsigned long n, int sig);

/* For reports/ only: counts one injectable call; 1 (errno EIO) when it must fail. */
int bk_outfile_fault(void);

#endif
