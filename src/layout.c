/*
 * Array layout between R and cntkr_py, in one pass.
 *
 * An R array with dim(x) = c(d0, ..., dk) is stored column-major (Fortran order); cntkr_py
 * computes on row-major (C-order) tensors with the same indexing. Going from one to the other
 * reverses the order of the axes in memory: the R array is the C-order array of shape
 * (dk, ..., d0), and the C-order array of shape (d0, ..., dk) is its transpose with every axis
 * reversed. Both directions are the one operation below, `reverse_axes`, with a cast on the way
 * (R has doubles only; cntkr_py mostly float32).
 *
 * Why this is C and not torch or NumPy: their strided copies reverse the axes of a
 * (64, 64, 16, 16) array in 3-5 ms, against 0.25 ms for a plain cast of the same data
 * (docs/benchmarks.md); walking the array in small tiles of the two contiguous axes keeps every
 * cache line read and written once, at about 1 ms. And reticulate's own NumPy -> R conversion
 * copies twice (a NumPy cast, then a loop into the new R vector); cntkr_from_c() fills the R
 * array straight from the tensor's memory.
 *
 * Entry points:
 *   cntkr_r_to_c()  plain C, called by cntkr_py/_r_bridge.py through ctypes on the memory that
 *                   reticulate shares with R (R double array -> new C-order float32/float64).
 *   cntkr_from_c()  .Call()ed by R/utils.R: a C-order float32/float64 buffer that the bridge
 *                   keeps alive -> a new R double array (cntkr_from_description(), also used
 *                   by pycall.c).
 *   cntkr_tune_malloc()  .Call()ed by tune_allocator() (R/package.R), opt-in.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>

#include "cntkr.h"

#ifdef _OPENMP
#include <omp.h>
#endif
#ifdef __GLIBC__
#include <malloc.h>
#endif

/* below this many values, one thread (starting threads costs more than it saves) */
#define PARALLEL_MIN 32768
/* the run (dst-contiguous axes walked as one) is made at least this long when it can be: every
 * dst row is then written sequentially over consecutive tiles, which keeps the hardware
 * prefetchers streaming when the arrays do not fit in cache (measured: (64, 64, 16, 16) from R
 * 1.9 -> 1.05 ms; 5-20% slower on arrays that fit in cache) */
#define RUN_MIN 256

/* one tile of NI x NK values, src rows -> buf -> dst rows (see reverse_* below) */
#define COPY_TILE(TS, TD, NI, NK)                                                              \
  do {                                                                                         \
    for (int64_t i = 0; i < (NI); i++) {                                                       \
      const TS *row = src + so + run[i0 + i] + k0;                                             \
      for (int64_t k = 0; k < (NK); k++) buf[k][i] = (TD)row[k];                               \
    }                                                                                          \
    for (int64_t k = 0; k < (NK); k++) {                                                       \
      TD *out = dst + dof + (k0 + k) * dl + i0;                                                \
      int b = 0;                                                                               \
      for (int64_t i = 0; i < (NI); i++) {                                                     \
        out[i] = buf[k][i];                                                                    \
        b |= buf[k][i] != buf[k][i];                                                           \
      }                                                                                        \
      bad |= b;                                                                                \
    }                                                                                          \
  } while (0)

/*
 * dst = src with its axes reversed: src is C-order of shape a[0..r-1], dst C-order of shape
 * a[r-1..0]; returns 1 if a value is NaN (checked only with `check`), else 0.
 *
 * dst is contiguous along src's first axes (the "run": axis 0, merged with axes 1, 2, ... while
 * shorter than RUN_MIN, src offsets in `run`), src along its last axis. Tiles of one cache
 * line of each (TI values of dst by TK values of src) go through a small buffer, so that every
 * line is read once and written once, whole: writing dst straight from strided reads let
 * lines 64 KB apart (one cache set) evict each other half-written, 2.5x slower. Work is split
 * across threads by (middle index, run tile).
 */
#define DEFINE_REVERSE(NAME, TS, TD)                                                            \
  static int NAME(const TS *src, TD *dst, int r, const int64_t *a, int nthreads, int check) { \
    enum { TI = 64 / sizeof(TD), TK = 64 / sizeof(TS) };                                      \
    int64_t n = 1;                                                                             \
    for (int j = 0; j < r; j++) n *= a[j];                                                     \
    if (n == 0) return 0;                                                                      \
    if (n < PARALLEL_MIN) nthreads = 1;                                                        \
    (void)nthreads;                                                                            \
    int bad = 0;                                                                               \
    if (r <= 1) {                                                                              \
      _Pragma("omp parallel for num_threads(nthreads) schedule(static) reduction(|:bad)")     \
      for (int64_t i = 0; i < n; i++) {                                                        \
        TS v = src[i];                                                                         \
        bad |= v != v;                                                                         \
        dst[i] = (TD)v;                                                                        \
      }                                                                                        \
      return check && bad;                                                                     \
    }                                                                                          \
    int64_t ss[CNTKR_MAX_RANK], ds[CNTKR_MAX_RANK];                                            \
    ss[r - 1] = 1;                                                                             \
    for (int j = r - 2; j >= 0; j--) ss[j] = ss[j + 1] * a[j + 1];                             \
    ds[0] = 1;                                                                                 \
    for (int j = 1; j < r; j++) ds[j] = ds[j - 1] * a[j - 1];                                  \
    int p = 1;                                                                                 \
    int64_t len = a[0];                                                                        \
    while (len < RUN_MIN && p < r - 1) len *= a[p++];                                               \
    int64_t *run = (int64_t *)malloc(sizeof(int64_t) * len);                                   \
    if (run == NULL) return -2;                                                                \
    for (int64_t q = 0; q < len; q++) {                                                        \
      int64_t rem = q, off = 0;                                                                \
      for (int t = 0; t < p; t++) {                                                            \
        off += (rem % a[t]) * ss[t];                                                           \
        rem /= a[t];                                                                           \
      }                                                                                        \
      run[q] = off;                                                                            \
    }                                                                                          \
    const int64_t nl = a[r - 1], dl = ds[r - 1], nti = (len + TI - 1) / TI;                    \
    int64_t nm = 1;                                                                            \
    for (int j = p; j < r - 1; j++) nm *= a[j];                                                \
    _Pragma("omp parallel for num_threads(nthreads) schedule(static) reduction(|:bad)")       \
    for (int64_t job = 0; job < nm * nti; job++) {                                             \
      int64_t rem = job / nti, so = 0, dof = 0;                                                \
      const int64_t i0 = (job % nti) * TI, ni = len - i0 < TI ? len - i0 : TI;                 \
      for (int j = r - 2; j >= p; j--) {                                                       \
        int64_t ij = rem % a[j];                                                               \
        rem /= a[j];                                                                           \
        so += ij * ss[j];                                                                      \
        dof += ij * ds[j];                                                                     \
      }                                                                                        \
      TD buf[TK][TI];                                                                          \
      for (int64_t k0 = 0; k0 < nl; k0 += TK) {                                                \
        const int64_t nk = nl - k0 < TK ? nl - k0 : TK;                                        \
        if (ni == TI && nk == TK) /* whole tile: constant bounds, unrolled */                  \
          COPY_TILE(TS, TD, TI, TK);                                                           \
        else                                                                                   \
          COPY_TILE(TS, TD, ni, nk);                                                           \
      }                                                                                        \
    }                                                                                          \
    free(run);                                                                                 \
    return check && bad;                                                                       \
  }

DEFINE_REVERSE(reverse_d2f, double, float)
DEFINE_REVERSE(reverse_d2d, double, double)
DEFINE_REVERSE(reverse_f2d, float, double)

/*
 * R double array -> C-order array. `src`: the R array's memory; `dims`: dim(x), R's order
 * (d0, ..., dk), `r` of them; `dst`: room for prod(dims) values of float64 (dst_is_f64) or
 * float32, C-order of shape dims. Returns 1 if a value is NaN (R's NA included), else 0; -1 for
 * a rank above CNTKR_MAX_RANK (nothing written), -2 when out of memory.
 */
int cntkr_r_to_c(const double *src, void *dst, int dst_is_f64, int r, const int64_t *dims,
                 int nthreads) {
  if (r < 0 || r > CNTKR_MAX_RANK) return -1;
  int64_t a[CNTKR_MAX_RANK];
  for (int j = 0; j < r; j++) a[j] = dims[r - 1 - j]; /* the R array: C-order, reversed dims */
  if (dst_is_f64) return reverse_d2d(src, (double *)dst, r, a, nthreads, 1);
  return reverse_d2f(src, (float *)dst, r, a, nthreads, 1);
}

/*
 * One description d[0..len-1] = (address, is_f64, nthreads, d0, ..., dk): a C-order float32
 * (is_f64 = 0) or float64 buffer of shape (d0, ..., dk) at `address` -> an R double array with
 * dim c(d0, ..., dk) (dim 1 for a 0-d buffer, as reticulate does).
 */
static SEXP array_from_description(const double *d, R_xlen_t len) {
  if (len < 3 || len > 3 + CNTKR_MAX_RANK) Rf_error("cntkr_from_c: malformed array description");
  const void *src = (const void *)(uintptr_t)d[0];
  const int is_f64 = d[1] != 0, nthreads = (int)d[2], r = (int)len - 3;
  int64_t a[CNTKR_MAX_RANK], n = 1;
  SEXP dim = PROTECT(Rf_allocVector(INTSXP, r > 0 ? r : 1));
  if (r == 0) INTEGER(dim)[0] = 1;
  for (int j = 0; j < r; j++) {
    if (!(d[3 + j] >= 0 && d[3 + j] <= INT_MAX)) Rf_error("cntkr_from_c: bad dimension");
    a[j] = (int64_t)d[3 + j];
    INTEGER(dim)[j] = (int)a[j];
    n *= a[j];
  }
  if (src == NULL && n > 0) Rf_error("cntkr_from_c: no data");
  SEXP out = PROTECT(Rf_allocArray(REALSXP, dim));
  const int status = is_f64 ? reverse_d2d((const double *)src, REAL(out), r, a, nthreads, 0)
                            : reverse_f2d((const float *)src, REAL(out), r, a, nthreads, 0);
  if (status < 0) Rf_error("cntkr_from_c: out of memory");
  UNPROTECT(2);
  return out;
}

/*
 * spec[0..len-1]: one description (above) -> an R array; or (-1, count, len_1, description_1,
 * len_2, description_2, ...) -> a list of `count` R arrays.
 */
SEXP cntkr_from_description(const double *s, R_xlen_t n) {
  if (n < 2 || s[0] >= 0) return array_from_description(s, n);
  const int count = (int)s[1];
  if (count < 0) Rf_error("cntkr_from_c: malformed array description");
  SEXP out = PROTECT(Rf_allocVector(VECSXP, count));
  R_xlen_t pos = 2;
  for (int i = 0; i < count; i++) {
    if (pos >= n) Rf_error("cntkr_from_c: malformed array description");
    const R_xlen_t len = (R_xlen_t)s[pos];
    if (len < 0 || pos + 1 + len > n) Rf_error("cntkr_from_c: malformed array description");
    SET_VECTOR_ELT(out, i, array_from_description(s + pos + 1, len));
    pos += 1 + len;
  }
  UNPROTECT(1);
  return out;
}

/* .Call entry: a description (above) as an R double vector -> an R array or a list of them. */
SEXP cntkr_from_c(SEXP spec) {
  if (TYPEOF(spec) != REALSXP) Rf_error("cntkr_from_c: malformed array description");
  return cntkr_from_description(REAL(spec), XLENGTH(spec));
}

/*
 * glibc's malloc: large blocks from the heap up to `mmap_threshold` bytes, and up to
 * `trim_threshold` bytes of free heap top kept rather than returned to the system. R allocates
 * every result anew; with glibc's defaults a large R vector mostly lands on fresh pages (R's GC
 * frees in bulk, glibc trims the heap back), so each call pays a page fault per 4 KB. TRUE when
 * both settings took (glibc), FALSE elsewhere or when glibc refused a value.
 */
SEXP cntkr_tune_malloc(SEXP mmap_threshold, SEXP trim_threshold) {
#if defined(__GLIBC__) && defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)
  const int ok = mallopt(M_MMAP_THRESHOLD, Rf_asInteger(mmap_threshold)) == 1 &&
                 mallopt(M_TRIM_THRESHOLD, Rf_asInteger(trim_threshold)) == 1;
  return Rf_ScalarLogical(ok);
#else
  (void)mmap_threshold;
  (void)trim_threshold;
  return Rf_ScalarLogical(0);
#endif
}
