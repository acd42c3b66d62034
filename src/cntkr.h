/* Declarations shared by the C files of the cntkr R package (see each file's header). */
#ifndef CNTKR_H
#define CNTKR_H

#include <stdint.h>

#include <R.h>
#include <Rinternals.h>

#define CNTKR_MAX_RANK 32

/* layout.c: called by cntkr_py/_r_bridge.py through ctypes */
int cntkr_r_to_c(const double *src, void *dst, int dst_is_f64, int r, const int64_t *dims,
                 int nthreads);
int cntkr_c_to_r(const void *src, int src_is_f64, double *dst, int r, const int64_t *dims,
                 int nthreads);

/* layout.c: .Call()ed by R */
SEXP cntkr_tune_malloc(SEXP mmap_threshold, SEXP trim_threshold);

#endif
