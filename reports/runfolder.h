/*
 * A run folder written as one transaction.
 *
 * A run's reports must never be seen half-written or mixed with another run's, even
 * when the run is killed, interrupted or started twice. So a run never writes into its
 * folder TARGET. It:
 *   1. takes a lock: flock on TARGET.lock beside the folder (holding the pid); a second
 *      run into a folder in use is refused at once, naming the holder;
 *   2. removes what killed runs left beside TARGET (TARGET.tmp.<pid>.<hex> and
 *      TARGET.old.<pid> of pids that no longer run), and says so;
 *   3. writes every file into a private folder TARGET.tmp.<pid>.<hex> in the same parent,
 *      each file fsynced (outfile.h), then the folder fsynced;
 *   4. swaps it with TARGET in one renameat2(RENAME_EXCHANGE) (Linux 3.15, glibc 2.28),
 *      or renames it to TARGET when there was none, fsyncs the parent, and removes the
 *      previous report now under the private name.
 * A reader who opens TARGET/… sees the previous complete report until the swap and the
 * new complete report after it; no instant shows a mix, a missing file or an empty
 * folder. Where the file system cannot exchange (EINVAL: some network and FUSE file
 * systems), the previous folder is renamed to TARGET.old.<pid> first and the new one
 * into place: for that moment TARGET is absent (never mixed), and a run killed in it
 * leaves the previous report in TARGET.old.<pid>, which the next run puts back. (Debug
 * builds take this path when the environment has BK_RENAME_EXCHANGE=0, for tests.)
 *
 * The folder is replaced as a whole, so an existing TARGET must hold only what a run
 * and `backstop chart` write there (report files, rendered charts, temporary files of
 * older versions); anything else is refused before the replay, as is a TARGET that is a
 * file or a symbolic link, and a parent that cannot be written.
 *
 * Signals: bk_runfolder_on_signal, called from a SIGINT/SIGTERM handler, removes the
 * private folder and the lock file with async-signal-safe calls only. It knows the
 * report files by name; an unknown file there keeps the folder, and the next run removes
 * it as a dead run's leftover. The commit's renames run with those signals blocked, so
 * the handler never sees a half-done swap.
 *
 * The one process-wide state is the pointer to the run folder in progress, which the
 * signal handler needs; a process has at most one.
 */
#ifndef BK_RUNFOLDER_H
#define BK_RUNFOLDER_H

#include <stdio.h>

#include "engine/error.h"

typedef struct bk_runfolder bk_runfolder;

/* Checks TARGET (see above), creates its parent folders, takes the lock, removes dead
 * runs' leftovers (each named on log, which may be NULL) and creates the private folder.
 * On failure returns BK_EWRITE (or BK_ENOMEM) with err naming target as given; when
 * another run holds the lock, *holder is its pid (-1 when unreadable), else 0. */
bk_rc bk_runfolder_begin(const char *target, FILE *log, bk_runfolder **out, long *holder,
                         bk_err *err);

/* The private folder to write the report into. */
const char *bk_runfolder_dir(const bk_runfolder *rf);

/* Makes the private folder's content TARGET's (steps 3-4 above). On failure TARGET holds
 * what it held before, and err says which step failed. The private folder (or, after
 * the swap, the previous report) is removed either way. */
bk_rc bk_runfolder_commit(bk_runfolder *rf, bk_err *err);

/* Removes the private folder if it is still there, releases and removes the lock, frees
 * rf. NULL is fine. */
void bk_runfolder_end(bk_runfolder *rf);

/* For a signal handler: removes the private folder and the lock file of the run folder in
 * progress, if any. Async-signal-safe. */
void bk_runfolder_on_signal(void);

/* Test hook of debug builds: when the environment variable BK_PAUSE_AT equals step,
 * prints "backstop: paused at <step> (pid N)" on stderr and sleeps up to 30 s, so a test
 * can signal the process at a known point. Does nothing in builds with NDEBUG. Steps:
 * "replay" (before the replay starts, the private folder made), "commit" (every file
 * written, before the swap). */
void bk_runfolder_pause(const char *step);

#endif
