/*
 * lab10_procpool.c - lab 10's process pool (labs/10-pools/procpool.c), compiled here as
 * it is, so that spawn_bench measures the very pool the lab teaches.
 */
#include "../../labs/10-pools/procpool.c"
