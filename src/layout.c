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
 * (64, 64, 16, 16) array several times slower than a plain copy of the same data; walking the
 * array in small tiles of the two contiguous axes keeps every cache line read and written once
 * (bench/r_layout.R measures it from R, against torch and NumPy).
 *
 * Entry points, each checking what it is given (rank, dimensions, buffers):
 *   cntkr_r_to_c()  plain C, called by cntkr_py/_r_bridge.py through ctypes on the memory that
 *                   reticulate shares with R (R double array -> C-order float32/float64 array
 *                   that the bridge owns).
 *   cntkr_c_to_r()  plain C, called by the bridge through ctypes: a C-order float32/float64
 *                   result -> a float64 array in R's order that the bridge owns, which
 *                   reticulate then copies into the new R array as it is.
 *   cntkr_tune_malloc()  .Call()ed by tune_allocator() (R/package.R), opt-in; no addresses.
 * Nothing here takes an address from R code.
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
/* the most values an R vector can hold (R_XLEN_T_MAX) */
#define MAX_VALUES ((int64_t)4503599627370496)

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
      _Pragma("omp parallel for num_threads(nthreads) if(nthreads > 1) schedule(static) reduction(|:bad)") \
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
    _Pragma("omp parallel for num_threads(nthreads) if(nthreads > 1) schedule(static) reduction(|:bad)") \
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

/* the checks every entry point makes on what it is given; 0 when fine */
static int check_args(const void *src, const void *dst, int r, const int64_t *dims, int64_t a[]) {
  if (r < 0 || r > CNTKR_MAX_RANK || (r > 0 && dims == NULL)) return -1;
  int64_t n = 1;
  for (int j = 0; j < r; j++) {
    if (dims[j] < 0 || dims[j] > INT_MAX || (dims[j] > 0 && n > MAX_VALUES / dims[j])) return -1;
    a[j] = dims[r - 1 - j];
    n *= dims[j];
  }
  if (n > 0 && (src == NULL || dst == NULL)) return -1;
  return 0;
}

/*
 * R double array -> C-order array. `src`: the R array's memory; `dims`: dim(x), R's order
 * (d0, ..., dk), `r` of them; `dst`: room for prod(dims) values of float64 (dst_is_f64) or
 * float32, C-order of shape dims. Returns 1 if a value is NaN (R's NA included), else 0; -1 for
 * bad arguments (a rank above CNTKR_MAX_RANK, a negative or huge dimension, a NULL buffer;
 * nothing written), -2 when out of memory.
 */
int cntkr_r_to_c(const double *src, void *dst, int dst_is_f64, int r, const int64_t *dims,
                 int nthreads) {
  int64_t a[CNTKR_MAX_RANK];
  if (check_args(src, dst, r, dims, a)) return -1;
  if (nthreads < 1) nthreads = 1;
  if (dst_is_f64) return reverse_d2d(src, (double *)dst, r, a, nthreads, 1);
  return reverse_d2f(src, (float *)dst, r, a, nthreads, 1);
}

/*
 * C-order array -> R's layout. `src`: a C-order float32 (src_is_f64 = 0) or float64 array of
 * shape `dims` (d0, ..., dk), `r` of them; `dst`: room for prod(dims) float64 values, written
 * in R's (Fortran) order: the memory of an R array with dim c(d0, ..., dk). Returns 0; -1 for
 * bad arguments (nothing written), -2 when out of memory.
 */
int cntkr_c_to_r(const void *src, int src_is_f64, double *dst, int r, const int64_t *dims,
                 int nthreads) {
  int64_t a[CNTKR_MAX_RANK];
  if (check_args(src, dst, r, dims, a)) return -1;
  if (nthreads < 1) nthreads = 1;
  /* the reverse of cntkr_r_to_c: src is C-order of shape dims, i.e. a[] reversed */
  for (int j = 0; j < r; j++) a[j] = dims[j];
  return src_is_f64 ? reverse_d2d((const double *)src, dst, r, a, nthreads, 0)
                    : reverse_f2d((const float *)src, dst, r, a, nthreads, 0);
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
