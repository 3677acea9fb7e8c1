/*
 * Running the external programs backstop leans on (gnuplot, groff, pdfunite): finding
 * them on the PATH and running one to its end. A few calls per command.
 */
#include "cli/tool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int bk_tool_on_path(const char *name) {
  const char *path = getenv("PATH");
  if (!path || !*path) return 0;
  char buf[4096];
  while (*path) {
    const char *end = strchr(path, ':');
    size_t n = end ? (size_t)(end - path) : strlen(path);
    if (n == 0) snprintf(buf, sizeof buf, "./%s", name);
    else snprintf(buf, sizeof buf, "%.*s/%s", (int)n, path, name);
    struct stat st;
    if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0) return 1;
    if (!end) break;
    path = end + 1;
  }
  return 0;
}

/* Points descriptor target at a new file path (truncated); 0 or -1. */
static int redirect(int target, const char *path) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || dup2(fd, target) < 0) return -1;
  close(fd);
  return 0;
}

int bk_tool_run(const char *cwd, char *const *argv, const char *out_path, const char *err_path) {
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) return 127;
  if (pid == 0) {
    if (cwd && chdir(cwd) != 0) _exit(127);
    if ((out_path && redirect(STDOUT_FILENO, out_path)) ||
        (err_path && redirect(STDERR_FILENO, err_path)))
      _exit(127);
    execvp(argv[0], argv);
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
