/*
 * Strict JSON documents (see jdoc.h). Every configuration file is read once, so this
 * favours precise messages over speed: jansson parses (rejecting duplicate keys), and
 * every error position is found by a small scanner that follows the key path through the
 * original text (jansson keeps no positions for values).
 */
#include "config/jdoc.h"

#include "feeds/source.h"

#include "engine/fixed.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- locating a dotted path in the text ---- */

static size_t ws(const char *s, size_t n, size_t i) {
  while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
  return i;
}

/* Index just past the string starting at s[i] == '"'. */
static size_t skip_str(const char *s, size_t n, size_t i) {
  for (i++; i < n; i++) {
    if (s[i] == '\\') i++;
    else if (s[i] == '"') return i + 1;
  }
  return n;
}

static size_t skip_val(const char *s, size_t n, size_t i) {
  i = ws(s, n, i);
  if (i >= n) return n;
  if (s[i] == '"') return skip_str(s, n, i);
  if (s[i] == '{' || s[i] == '[') {
    int depth = 0;
    for (; i < n; i++) {
      if (s[i] == '"') {
        i = skip_str(s, n, i) - 1;
      } else if (s[i] == '{' || s[i] == '[') {
        depth++;
      } else if (s[i] == '}' || s[i] == ']') {
        if (--depth == 0) return i + 1;
      }
    }
    return n;
  }
  while (i < n && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' && s[i] != '\n' &&
         s[i] != '\r' && s[i] != '\t')
    i++;
  return i;
}

/* Offset of the element named by the segment [seg, seg+len) inside the value at i, or
 * (size_t)-1; *val gets where its value starts. */
static size_t find_in(const char *s, size_t n, size_t i, const char *seg, size_t len,
                      size_t *val) {
  i = ws(s, n, i);
  if (i >= n) return (size_t)-1;
  if (s[i] == '{') {
    i = ws(s, n, i + 1);
    while (i < n && s[i] == '"') {
      size_t k = i, e = skip_str(s, n, i);
      int match = e - k - 2 == len && memcmp(s + k + 1, seg, len) == 0;
      i = ws(s, n, e);
      if (i < n && s[i] == ':') i = ws(s, n, i + 1);
      if (match) {
        *val = i;
        return k;
      }
      i = ws(s, n, skip_val(s, n, i));
      if (i < n && s[i] == ',') i = ws(s, n, i + 1);
      else break;
    }
  } else if (s[i] == '[') {
    char *end;
    char tmp[24];
    if (len == 0 || len >= sizeof tmp) return (size_t)-1;
    memcpy(tmp, seg, len);
    tmp[len] = 0;
    long want = strtol(tmp, &end, 10);
    if (*end) return (size_t)-1;
    i = ws(s, n, i + 1);
    for (long idx = 0; i < n && s[i] != ']'; idx++) {
      if (idx == want) {
        *val = i;
        return i;
      }
      i = ws(s, n, skip_val(s, n, i));
      if (i < n && s[i] == ',') i = ws(s, n, i + 1);
      else break;
    }
  }
  return (size_t)-1;
}

void bk_jdoc_where(const bk_jdoc *d, const char *path, int *line, int *col) {
  size_t at = ws(d->text, d->len, 0), val = at;
  const char *p = path ? path : "";
  while (*p) {
    const char *dot = strchr(p, '.');
    size_t len = dot ? (size_t)(dot - p) : strlen(p);
    size_t k = find_in(d->text, d->len, val, p, len, &val);
    if (k == (size_t)-1) break;
    at = k;
    p += len;
    if (*p == '.') p++;
  }
  int l = 1, c = 1;
  for (size_t i = 0; i < at && i < d->len; i++) {
    if (d->text[i] == '\n') {
      l++;
      c = 1;
    } else {
      c++;
    }
  }
  *line = l;
  *col = c;
}

bk_rc bk_jdoc_fail(const bk_jdoc *d, bk_err *err, const char *path, const char *fmt, ...) {
  int line, col;
  bk_jdoc_where(d, path, &line, &col);
  char what[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return bk_err_set(err, BK_ECONFIG, "%s:%d:%d: %s%s%s", d->name, line, col,
                    path && *path ? path : "", path && *path ? ": " : "", what);
}

bk_rc bk_jdoc_fx(const bk_jdoc *d, bk_err *err, const char *path, const json_t *v,
                 int64_t *out) {
  if (json_is_number(v))
    return bk_jdoc_fail(d, err, path, "expected a decimal string such as \"0.0005\", not a "
                                      "JSON number");
  if (!json_is_string(v)) return bk_jdoc_fail(d, err, path, "expected a decimal string");
  const char *why = "not a decimal number";
  if (bk_fx_parse(json_string_value(v), json_string_length(v), out, &why))
    return bk_jdoc_fail(d, err, path, "'%s': %s", json_string_value(v), why);
  return BK_OK;
}

bk_rc bk_jdoc_req_fx(const bk_jdoc *d, bk_err *err, const json_t *o, const char *path,
                     const char *key, int64_t *out) {
  char p[256];
  snprintf(p, sizeof p, "%s%s%s", path, *path ? "." : "", key);
  const json_t *v = json_object_get(o, key);
  if (!v) return bk_jdoc_fail(d, err, path, "missing \"%s\"", key);
  return bk_jdoc_fx(d, err, p, v, out);
}

bk_rc bk_jdoc_u64(const bk_jdoc *d, bk_err *err, const char *path, const json_t *v,
                  uint64_t *out) {
  if (json_is_integer(v) && json_integer_value(v) >= 0) {
    *out = (uint64_t)json_integer_value(v);
    return BK_OK;
  }
  const char *s = json_is_string(v) ? json_string_value(v) : "";
  uint64_t x = 0;
  size_t i = 0;
  for (; s[i] >= '0' && s[i] <= '9'; i++) {
    unsigned digit = (unsigned)(s[i] - '0');
    if (x > (UINT64_MAX - digit) / 10) break;
    x = x * 10 + digit;
  }
  if (!i || s[i])
    return bk_jdoc_fail(d, err, path, "expected a non-negative integer (up to "
                        "18446744073709551615 as a decimal string)");
  *out = x;
  return BK_OK;
}

bk_rc bk_jdoc_known(const bk_jdoc *d, bk_err *err, const char *path, const json_t *obj,
                    const char *const *known) {
  if (!json_is_object(obj)) return bk_jdoc_fail(d, err, path, "expected an object");
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)obj, key, v) {
    int ok = 0;
    for (size_t i = 0; known[i] && !ok; i++) ok = strcmp(known[i], key) == 0;
    if (!ok) {
      char p[256];
      snprintf(p, sizeof p, "%s%s%s", path, *path ? "." : "", key);
      char list[256] = "";
      for (size_t i = 0; known[i]; i++) {
        strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
        strncat(list, known[i], sizeof list - strlen(list) - 1);
      }
      return bk_jdoc_fail(d, err, p, "unknown key (expected one of: %s)", list);
    }
  }
  return BK_OK;
}

json_t *bk_jdoc_parse(const bk_jdoc *d, bk_err *err) {
  json_error_t je;
  json_t *root = json_loadb(d->text, d->len, JSON_REJECT_DUPLICATES, &je);
  if (!root) bk_err_set(err, BK_ECONFIG, "%s:%d:%d: %s", d->name, je.line, je.column, je.text);
  return root;
}

void bk_jdoc_dir_of(const char *path, char *dir, size_t cap) {
  snprintf(dir, cap, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash) *slash = '\0';
  else dir[0] = '\0';
}

char *bk_jdoc_slurp(const char *path, size_t *len, bk_err *err) {
  char *text = NULL;
  if (bk_source_slurp(path, BK_SOURCE_SLURP_CONFIG_MAX, 0, &text, len, err)) return NULL;
  /* a UTF-8 byte order mark says nothing to a JSON reader: drop it */
  if (*len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
    memmove(text, text + 3, *len - 3 + 1);
    *len -= 3;
  }
  return text;
}

/* ---- writing back ---- */

json_t *bk_jdoc_fx_value(int64_t v) {
  char b[40];
  bk_fx_format_trim(v, b, sizeof b);
  return json_string(b);
}

int bk_jdoc_put(json_t *o, const char *key, json_t *v) {
  return !v || json_object_set_new(o, key, v);
}

json_t *bk_jdoc_u64_value(uint64_t v) {
  char b[24];
  if (v <= (uint64_t)INT64_MAX) return json_integer((json_int_t)v);
  snprintf(b, sizeof b, "%" PRIu64, v);
  return json_string(b);
}
