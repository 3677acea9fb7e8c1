/*
 * Running the external programs backstop leans on (tool.c).
 */
#ifndef BK_TOOL_H
#define BK_TOOL_H

/* Runs argv (argv[0] found on the PATH) in folder cwd (NULL: here), its standard output
 * into out_path and its standard error into err_path (NULL: this process's; paths are
 * relative to cwd). Returns its exit status, 127 when it could not be started, -1 when it
 * was killed or could not be waited for. */
int bk_tool_run(const char *cwd, char *const *argv, const char *out_path, const char *err_path);

/* 1 when an executable named name is in one of PATH's folders. */
int bk_tool_on_path(const char *name);

#endif
