/* st_tool DIR: the checker's verdict on every DIR/NAME.safetensors, one line each in name order:
 * NAME<TAB>ok|refuse<TAB>reason (the format st_ref.py prints for the reference package). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ob/core/err.h"
#include "ob/core/util.h"
#include "ob/models/safetensors.h"

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv) {
  DIR *d;
  struct dirent *e;
  char **names = NULL;
  size_t n = 0, cap = 0;
  if (argc != 2) {
    fprintf(stderr, "usage: st_tool DIR\n");
    return 2;
  }
  if (!(d = opendir(argv[1]))) {
    perror(argv[1]);
    return 2;
  }
  while ((e = readdir(d))) {
    if (!ob_str_ends(e->d_name, ".safetensors"))
      continue;
    if (n == cap && !(names = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof(*names))))
      return 1;
    names[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof(*names), cmp);
  for (size_t i = 0; i < n; i++) {
    char path[4096];
    struct ob_err err;
    int rc;
    snprintf(path, sizeof path, "%s/%s", argv[1], names[i]);
    ob_err_clear(&err);
    rc = model_st_check_path(NULL, path, &err);
    names[i][strlen(names[i]) - strlen(".safetensors")] = '\0';
    printf("%s\t%s\t%s\n", names[i], rc == 0 ? "ok" : "refuse", rc == 0 ? "" : ob_err_msg(&err, rc));
    free(names[i]);
  }
  free(names);
  return 0;
}
