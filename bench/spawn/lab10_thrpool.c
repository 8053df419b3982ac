/*
 * lab10_thrpool.c - lab 10's thread pool (labs/10-pools/thrpool.c), compiled here as it
 * is, so that spawn_bench measures the very pool the lab teaches.
 */
#include "../../labs/10-pools/thrpool.c"
