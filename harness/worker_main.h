/*
 * worker_main.h: the worker side. The parent re-executes its own binary as
 *
 *   pyprof-bench --worker run --fd N --file PATH [--phase FUNC=LITERAL]...
 *                --backend KIND [--opt KEY=VALUE]... [--export PREFIX]
 *   pyprof-bench --worker probe --fd N [--backend KIND]...
 *   pyprof-bench --worker names --fd N [--file PATH]...
 *
 * A run initialises an embedded CPython, imports the workload (outside the
 * measured region), resolves the phases and their arguments, then measures:
 *
 *   region start -> backend start -> phases in order -> backend stop -> region end
 *
 * and then collects the backend's report (timed on its own). It writes its
 * figures to fd N in the format of protocol.h and exits 0; any failure is an
 * "error" message and exit status 1. A probe asks each backend kind whether it
 * can run here. A names worker parses each file (Python's ast, never running
 * it) and lists the names it defines at its top level, for the config
 * checks. The worker is the only process that initialises Python.
 */
#ifndef PB_WORKER_MAIN_H
#define PB_WORKER_MAIN_H

/* argv[0] is the program, argv[1] is "--worker". Returns the exit status. */
int pb_worker_main(int argc, char **argv);

#endif
