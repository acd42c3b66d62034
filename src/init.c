/* Registration of the package's .Call routines (layout.c). */
#include <R_ext/Rdynload.h>

#include "cntkr.h"

static const R_CallMethodDef call_methods[] = {
    {"cntkr_tune_malloc", (DL_FUNC)&cntkr_tune_malloc, 2},
    {NULL, NULL, 0}};

void R_init_cntkr(DllInfo *dll) {
  R_registerRoutines(dll, NULL, call_methods, NULL, NULL);
  R_useDynamicSymbols(dll, FALSE);
}
