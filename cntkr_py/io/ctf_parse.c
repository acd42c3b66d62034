/* The CNTK text format (CTF) parser of cntkr_py.io: one pass over a block of complete lines.
 *
 * Built at install time into a shared library that cntkr_py/io/_ctf.py loads with ctypes (no
 * Python C API: only this one function). Without it, _ctf.py parses with NumPy, same results.
 *
 * A line: [sequence_id] (|name values)* where values are numbers (dense streams) or index:value
 * pairs (sparse streams), and |#... is a comment up to the next | or the end of the line.
 * Blank lines are skipped. Every sample line must give every stream exactly once; a dense stream
 * exactly `dim` values, a sparse one indices in [0, dim).
 *
 * ctf_parse fills `out[k]` (rows x dims[k], zeroed by the caller, float32 or float64) row by
 * row and returns the number of rows, or -1 with err_line (0-based line within the block) and
 * err_msg set. `prev_id`/`prev_id_len` carry the last sequence id across blocks (in and out). */
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define MAX_STREAMS 64

static const double POW10[23] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }
static int ends_value(char c) { return is_space(c) || c == '\n' || c == '|'; }

/* A number at p (p < e). Returns the position after it, or NULL when it is not one. */
static const char *number(const char *p, const char *e, double *out, int colon_ends) {
    const char *s = p;
    int neg = 0;
    if (*p == '-' || *p == '+') { neg = (*p == '-'); p++; }
    unsigned long long m = 0;
    int nd = 0, frac = 0, big = 0;
    while (p < e && *p >= '0' && *p <= '9') {
        if (nd < 19) m = m * 10 + (unsigned)(*p - '0'); else big = 1;
        nd++; p++;
    }
    if (p < e && *p == '.') {
        p++;
        while (p < e && *p >= '0' && *p <= '9') {
            if (nd < 19) { m = m * 10 + (unsigned)(*p - '0'); frac++; } else big = 1;
            nd++; p++;
        }
    }
    int expo = 0, has_exp = 0;
    if (nd > 0 && p < e && (*p == 'e' || *p == 'E')) {
        const char *q = p + 1;
        int eneg = 0;
        if (q < e && (*q == '-' || *q == '+')) { eneg = (*q == '-'); q++; }
        if (q < e && *q >= '0' && *q <= '9') {
            while (q < e && *q >= '0' && *q <= '9') { if (expo < 10000) expo = expo * 10 + (*q - '0'); q++; }
            if (eneg) expo = -expo;
            has_exp = 1;
            p = q;
        }
    }
    if (nd == 0 || !(p == e || ends_value(*p) || (colon_ends && *p == ':'))) {
        /* not a plain number: strtod's other spellings (nan, inf, hex), if that is all there is */
        char tmp[64];
        const char *q = s;
        while (q < e && !ends_value(*q) && !(colon_ends && *q == ':')) q++;
        size_t len = (size_t)(q - s);
        if (len == 0 || len >= sizeof tmp) return NULL;
        memcpy(tmp, s, len);
        tmp[len] = 0;
        char *end;
        double v = strtod(tmp, &end);
        if (end != tmp + len) return NULL;
        *out = v;
        return q;
    }
    int scale = expo - frac;
    double v;
    if (!big && m < (1ULL << 53) && scale >= -22 && scale <= 22) {
        v = (double)m;
        v = scale < 0 ? v / POW10[-scale] : v * POW10[scale];
    } else {  /* rare: let strtod round it */
        char tmp[128];
        size_t len = (size_t)(p - s);
        if (len >= sizeof tmp) len = sizeof tmp - 1;
        memcpy(tmp, s, len);
        tmp[len] = 0;
        v = strtod(tmp, NULL);
        neg = 0;
    }
    (void)has_exp;
    *out = neg ? -v : v;
    return p;
}

#define FAIL(...) do { *err_line = line; snprintf(err_msg, (size_t)err_cap, __VA_ARGS__); return -1; } while (0)

long ctf_parse(const char *buf, long n, int nstreams, const char **names, const int *name_lens,
               const long *dims, const int *sparse, void **out, int f64, long max_rows,
               long *err_line, char *err_msg, int err_cap, char *prev_id, int *prev_id_len) {
    const char *p = buf, *end = buf + n;
    long row = 0, line = 0;
    if (nstreams > MAX_STREAMS) { line = 0; FAIL("too many streams (at most %d)", MAX_STREAMS); }
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol) eol = end;
        const char *q = p;
        while (q < eol && is_space(*q)) q++;
        if (q == eol) { p = eol + 1; line++; continue; }  /* blank line */
        /* sequence id */
        if (*q != '|') {
            if (!memchr(q, '|', (size_t)(eol - q))) FAIL("no |stream on the line");
            const char *id = q;
            while (q < eol && !is_space(*q) && *q != '|') q++;
            int idlen = (int)(q - id);
            while (q < eol && is_space(*q)) q++;
            if (q == eol) FAIL("no |stream on the line");
            if (*q != '|') FAIL("'%.*s' before the first |stream is not one sequence id", idlen > 40 ? 40 : idlen, id);
            if (idlen == *prev_id_len && idlen > 0 && memcmp(id, prev_id, (size_t)idlen) == 0)
                FAIL("sequence id '%.*s' continues on this line: sequences of several samples are not "
                     "supported (one sample a line)", idlen > 40 ? 40 : idlen, id);
            if (idlen > 255) idlen = 255;
            memcpy(prev_id, id, (size_t)idlen);
            *prev_id_len = idlen;
        } else {
            *prev_id_len = 0;
        }
        if (row >= max_rows) FAIL("more sample lines than expected");
        int seen[MAX_STREAMS];
        memset(seen, 0, sizeof seen);
        while (q < eol) {  /* at a '|' */
            q++;
            const char *nm = q;
            while (q < eol && !is_space(*q) && *q != '|') q++;
            int nlen = (int)(q - nm);
            if (nlen > 0 && nm[0] == '#') {  /* comment up to the next | */
                while (q < eol && *q != '|') q++;
                continue;
            }
            int k;
            for (k = 0; k < nstreams; k++)
                if (name_lens[k] == nlen && memcmp(names[k], nm, (size_t)nlen) == 0) break;
            if (k == nstreams) FAIL("unknown stream name '%.*s'", nlen > 40 ? 40 : nlen, nm);
            if (seen[k]) FAIL("stream '%s' given twice on one line", names[k]);
            seen[k] = 1;
            long dim = dims[k], count = 0;
            float *o32 = f64 ? NULL : (float *)out[k] + row * dim;
            double *o64 = f64 ? (double *)out[k] + row * dim : NULL;
            for (;;) {
                while (q < eol && is_space(*q)) q++;
                if (q == eol || *q == '|') break;
                double v;
                const char *r = number(q, eol, &v, sparse[k]);
                if (!r) {
                    const char *t = q;
                    while (t < eol && !ends_value(*t)) t++;
                    FAIL("'%.*s' is not a number", (int)(t - q) > 40 ? 40 : (int)(t - q), q);
                }
                if (sparse[k]) {
                    if (r == eol || *r != ':') FAIL("sparse stream '%s' needs index:value pairs", names[k]);
                    double idx = v;
                    const char *r2 = number(r + 1, eol, &v, 0);
                    if (!r2) FAIL("sparse stream '%s' needs index:value pairs", names[k]);
                    if (idx != floor(idx) || idx < 0 || idx >= (double)dim)
                        FAIL("sparse index %g of stream '%s' is out of range (its dim is %ld: indices 0 to %ld)",
                             idx, names[k], dim, dim - 1);
                    if (f64) o64[(long)idx] = v; else o32[(long)idx] = (float)v;
                    r = r2;
                } else {
                    if (count < dim) { if (f64) o64[count] = v; else o32[count] = (float)v; }
                    count++;
                }
                q = r;
            }
            if (!sparse[k] && count != dim)
                FAIL("stream '%s' has %ld values, expected %ld", names[k], count, dim);
        }
        int any = 0;
        for (int k = 0; k < nstreams; k++) any |= seen[k];
        if (any) {  /* a line of comments only is skipped */
            for (int k = 0; k < nstreams; k++)
                if (!seen[k]) FAIL("no value for stream '%s'", names[k]);
            row++;
        }
        p = eol + 1;
        line++;
    }
    return row;
}
