/*
 * accuracy.h: the accuracy arithmetic of docs/METHOD.md.
 *
 * Step 1, in the worker: pb_attribute() reduces a backend's report to what the
 * measured region's phases received (R_p), what went elsewhere (R_other) and
 * per-category seconds (R_c).
 * Step 2, in the parent: pb_shares_fill() turns each run into share vectors
 * (its own measured times, and what its report says), and
 * pb_accuracy_estimate() compares them over rounds: AE, DE and FAE/CE as
 * docs/METHOD.md defines them.
 */
#ifndef PB_ACCURACY_H
#define PB_ACCURACY_H

#include <stddef.h>
#include <stdint.h>

#include "category.h"
#include "config.h"
#include "report.h"

/* How a phase function is recognised in a report: same name and same file
 * (compared after resolving both with realpath(3) when possible, so relative
 * and absolute spellings match; a file that does not resolve, such as
 * "<string>", matches only the identical string). An entry is credited to the
 * first phase it matches: a function listed as two phases is one entry in a
 * profile and cannot be split between them. */
struct pb_phase_ident {
    const char *file;
    const char *name;
};

struct pb_attribution {
    size_t nphases;
    double phase_s[PB_MAX_PHASES];   /* R_p: inclusive seconds of phase p,
                                        summed over threads */
    double other_s;                  /* R_other = R - sum R_p, never < 0 */
    double total_s;                  /* R: report total_s, or the sum of self
                                        seconds when the backend left it 0;
                                        never less than sum R_p */
    unsigned categories;             /* PB_CAT_BIT mask the report tells apart */
    double cat_s[PB_CAT_COUNT];      /* R_c: sum of entries' cat_s */
    size_t entries;                  /* entries in the report */
};

void pb_attribute(const struct pb_report *r, const struct pb_phase_ident *phases,
                  size_t nphases, struct pb_attribution *out);

/* ------------------------------------------------ flat profiles
 *
 * A flat or line-level profile (scalene) gives each function only the time
 * of its own lines: a phase whose work is in a callee gets nothing from
 * pb_attribute(). The reach map, recorded once per workload by a calibration
 * run (harness/reach.h), lists the functions reached while each phase ran;
 * pb_attribute_flat() credits a flat report's entries through it. */

/* One function of a reach map: code identity and the phases that reached it
 * (bit p set: a call of it began while phase p ran). */
struct pb_reach_fn {
    char *file;                      /* co_filename, owned */
    char *name;                      /* co_name, owned */
    int line;                        /* co_firstlineno */
    uint64_t phases;                 /* bit p for phase p < PB_MAX_PHASES */
};

struct pb_reach_map {
    struct pb_reach_fn *fns;
    size_t count, alloc;
};

/* An ambiguous entry (reachable from several phases) share of R above which
 * FAE is n/a: its seconds cannot be split honestly between the phases. */
#define PB_FLAT_AMBIGUOUS_MAX 0.05

/* What pb_attribute_flat() did. */
struct pb_flat_result {
    int applied;                     /* the report was flat and a map was given */
    size_t mapped;                   /* entries credited through the map */
    double mapped_s;                 /* their self seconds */
    size_t ambiguous;                /* entries reachable from several phases */
    double ambiguous_s;              /* their self seconds (left in R_other) */
    long worst;                      /* report index of the largest ambiguous
                                        entry, -1 when none */
    uint64_t worst_phases;           /* its phase bits */
    double total_s;                  /* R of the attribution */
    int fae_na;                      /* ambiguous_s > PB_FLAT_AMBIGUOUS_MAX * R:
                                        other_s was set to NAN */
};

/* Is the report flat: no entry's inclusive time exceeds its self time (by
 * more than rounding), so no entry holds a callee's seconds? A call-tree
 * profile of a phase that calls anything is not flat. */
int pb_report_is_flat(const struct pb_report *r);

/* Phase bits of a report entry in the map: the map functions of the same
 * name and file; when the entry has a line and some of them start at or
 * before it, only the one starting nearest above it (a line-level entry
 * belongs to the function enclosing its line), else all of them. 0 when
 * the map does not have it. */
uint64_t pb_reach_lookup(const struct pb_reach_map *map, const char *file, const char *name,
                         int line);

/* pb_attribute(), then, when map is not NULL and the report is flat, the
 * entries that match no phase ident are credited by the map, self seconds
 * (a line-level profile's lines of one function are summed). An entry the
 * backend places on a known thread other than main_tid (the worker's main
 * thread; 0: no such rule) is left alone: a thread's seconds are its thread
 * key's (pb_thread_seconds), not its phase's. The others are credited:
 *   - reachable from exactly one phase: to that phase's R_p;
 *   - reachable from several: to none (they stay in R_other) and counted as
 *     ambiguous; when they carry more than PB_FLAT_AMBIGUOUS_MAX of R,
 *     other_s becomes NAN, which makes FAE n/a (pb_results_run_shares
 *     takes it as no report; pb_fae_keys returns NAN);
 *   - not in the map: R_other, as before.
 * A report that is not flat, or no map, gives exactly pb_attribute()'s
 * answer. fr may be NULL. */
void pb_attribute_flat(const struct pb_report *r, const struct pb_phase_ident *phases,
                       size_t nphases, const struct pb_reach_map *map, uint64_t main_tid,
                       struct pb_attribution *out, struct pb_flat_result *fr);

/* The run's note about a flat mapping into buf: "" when none was applied;
 * "flat profile: 3 entries mapped to phases by reachability"; with ambiguous
 * entries "; fib reachable from phases a, b (12.0% of R, not attributed)";
 * when FAE is n/a "FAE n/a: fib reachable from phases a, b (60.0% of R)".
 * Phase names are the idents' names. */
void pb_flat_note(const struct pb_flat_result *fr, const struct pb_report *r,
                  const struct pb_phase_ident *phases, size_t nphases, char *buf, size_t len);

/* Truth of one phase, from unprofiled runs (medians). */
struct pb_phase_truth {
    double wall_s;
    double user_s;                   /* user-mode CPU of the thread */
    double sys_s;                    /* kernel-mode CPU of the thread */
    enum pb_category declared;       /* what the config says its user time is */
};

/* T_c of one phase: user -> declared category (a phase declared "system" has
 * its small user part counted as native: it is the C code making the system
 * calls); kernel CPU and off-CPU (wall - user - sys, >= 0) -> system. */
void pb_truth_categories(const struct pb_phase_truth *t, double cat_s[PB_CAT_COUNT]);

/* Sanity of a truth against its declaration. Returns NULL when consistent, or
 * a static message such as "declared python but only 62% of wall is user CPU".
 * Rules: python/native need user >= 90% of wall; system needs
 * (wall - user) >= 50% of wall. The message is written into buf. */
const char *pb_truth_check(const struct pb_phase_truth *t, char *buf, size_t len);

/* ------------------------------------------------ threads and coroutines
 *
 * Workloads with threads or coroutines have more keys than their phases:
 * a thread started in phase p, by its Python thread name (threads of the
 * same name in the same phase are summed), and a coroutine function
 * decorated with pyprof_bench.coroutine_truth, by its qualified name (calls
 * summed). The worker records them in every run, baseline and profiled,
 * as many as there are (no cap).
 *
 * The truth and the tables (results.h) keep at most PB_MAX_TRUTH_KEYS keys
 * of each kind: a workload with more than PB_KEYS_UNGROUPED distinct thread
 * names groups its threads by name pattern (digits runs become '*':
 * "Thread-7 (loop)" and "Thread-12 (loop)" are "Thread-* (loop)"), and one
 * with more than PB_MAX_TRUTH_KEYS patterns by phase (name "*"). A group
 * sums every thread that matches it: no thread leaves the truth. */
#define PB_KEYS_UNGROUPED 16
#define PB_MAX_TRUTH_KEYS PB_MAX_PHASES
#define PB_KEY_NAME 64

enum pb_key_group {
    PB_KEY_EXACT,     /* (phase, name) */
    PB_KEY_PATTERN,   /* (phase, name pattern) */
    PB_KEY_PHASE      /* every key of the phase */
};

struct pb_key_rec {
    long phase;                      /* index of the phase it started in */
    char name[PB_KEY_NAME];          /* thread name or coroutine qualname */
    long count;                      /* threads or calls summed */
    double wall_s, user_s, sys_s;    /* this run's own measurement (a thread's
                                        user and kernel CPU; 0 for coroutines) */
    double attr_s;                   /* seconds the backend gave it: a thread's
                                        every entry (self seconds), a coroutine
                                        function's inclusive seconds; NAN when
                                        the backend has no report */
};

/* R_k of a thread key: every second the report gives the threads whose
 * native TIDs are tids[0..ntids) (the self seconds of all their entries).
 * Entries with thread 0 (unknown) belong to no thread key. */
double pb_thread_seconds(const struct pb_report *r, const unsigned long *tids, size_t ntids);

/* A new zeroed record (attr_s NAN) at the end of the malloc'd array *recs
 * of *n records, which grows (capacities 8, 16, 32, ...); *n is incremented.
 * Key records have no cap: a run keeps one per key it had. */
struct pb_key_rec *pb_key_append(struct pb_key_rec **recs, size_t *n);

/* name with every run of digits replaced by one '*', into out. */
void pb_key_pattern(const char *name, char *out, size_t len);

/* Does record r belong to the key (group, phase, name)? For PB_KEY_PATTERN
 * name is a pattern (pb_key_pattern), for PB_KEY_PHASE it is ignored. */
int pb_key_matches(const struct pb_key_rec *r, enum pb_key_group group, long phase,
                   const char *name);

/* Index of the record (phase, name) in recs[0..n), or -1. */
long pb_key_find(const struct pb_key_rec *recs, size_t n, long phase, const char *name);

/* Total variation distance over keys: 50 * (sum_k |R_k/R - T_k/T| + R_rest/R)
 * with T = sum T_k, R_rest = R - sum R_k (never < 0; R is raised to sum R_k
 * when smaller). NAN when R or T is not > 0, or total_s is NAN (the
 * attribution is n/a). The task view's FAE of one run. */
double pb_fae_keys(const double *truth_s, const double *reported_s, size_t n, double total_s);

/* Thread coverage of one run: the share of its non-main threads' wall time
 * that the backend reported at all, sum_k min(R_k, W_k) / sum_k W_k over
 * its thread records (W_k the run's own thread wall). NAN when there are no
 * thread records or no report. */
double pb_thread_coverage(const struct pb_key_rec *threads, size_t n);

/* ------------------------------------------------ shares and estimators
 *
 * Every accuracy figure is a total variation distance between share
 * vectors over the same keys: the workload's phases, then its thread keys
 * (the truth's order). A run gives two vectors: its own measured wall time
 * per key (what actually happened in that run) and, when the backend
 * reported, what the report gave each key. Categories are kept as seconds
 * and turned into shares over the categories being compared. */
#define PB_MAX_SHARE_KEYS (PB_MAX_PHASES + PB_MAX_TRUTH_KEYS)

struct pb_run_shares {
    size_t nk;                       /* keys */
    double own[PB_MAX_SHARE_KEYS];   /* W_k / sum W: the run's own walls */
    double own_cat_s[PB_CAT_COUNT];  /* the run's own category seconds: user
                                        time to the declared category, kernel
                                        and off-CPU time to system */
    int has_report;                  /* 0: rep* below are not set */
    double rep[PB_MAX_SHARE_KEYS];   /* R_k / R */
    double rep_other;                /* R_other / R, R = max(total, sum R_k) */
    unsigned rep_cats;               /* categories the report tells apart */
    double rep_cat_s[PB_CAT_COUNT];  /* R_c, seconds */
};

/* Fill s from one run: own[k] the run's measured times of key k (wall, user,
 * sys and declared category), rep_s[k] the seconds its report gave key k, or
 * rep_s NULL when the run has no report; rep_total_s is the report's R (it
 * is raised to sum rep_s when smaller). Keys with a non-positive wall share
 * 0; when no key has time, own[] is NAN (no shares). nk is capped at
 * PB_MAX_SHARE_KEYS. */
void pb_shares_fill(struct pb_run_shares *s, size_t nk, const struct pb_phase_truth *own,
                    const double *rep_s, double rep_total_s, unsigned rep_cats,
                    const double rep_cat_s[PB_CAT_COUNT]);

enum pb_accuracy_kind {
    PB_ACC_AE,     /* attribution error: report against the same run's own
                      times; 50 * (sum_k |med_i(rep_ik - own_ik)| + med_i other_i) */
    PB_ACC_DE,     /* distortion: the runs' own times against the truth runs';
                      50 * sum_k |med_i own_ik - med_j truth_jk| */
    PB_ACC_TOTAL   /* FAE / CE: report against the truth runs;
                      50 * (sum_k |med_i rep_ik - med_j truth_jk| + med_i other_i) */
};

/* One accuracy figure in percentage points over the runs runs[ir[0..nr)]
 * and, for DE and TOTAL, the unprofiled truth runs truth[it[0..nt)] (their
 * own shares). Shares are aggregated over rounds (medians) before the
 * distance is taken, so that run-to-run noise, which has no sign, is not
 * added up as error (|x| of zero-mean noise is positive); what noise is
 * left in the medians shows as the floor (the DE of unprofiled runs).
 * With over = PB_OVER_KEYS the keys are compared; with PB_OVER_CATEGORIES
 * the categories in mask cats, each vector renormalised over them
 * (R_c / R_M), and cats is ignored otherwise. NAN when there is
 * nothing to compare: no run, no truth run, no report for AE and TOTAL,
 * fewer than two categories, or a zero sum. ir and it may be NULL for the
 * identity (0..nr). */
enum pb_accuracy_over { PB_OVER_KEYS, PB_OVER_CATEGORIES };

double pb_accuracy_estimate(enum pb_accuracy_kind kind, enum pb_accuracy_over over,
                            unsigned cats,
                            const struct pb_run_shares *runs, const size_t *ir, size_t nr,
                            const struct pb_run_shares *truth, const size_t *it, size_t nt);

/* ------------------------------------------------ response to a change
 *
 * The causality check: a base workload and a variant of it (config.h,
 * `variant_of:`) differ only in the work of one phase. Shares are fractions
 * of a run's total (0..1): S = R_p / R reported by a backend in one profiled
 * run, T = T_p / T of one unprofiled run. With medians over the runs,
 *
 *   response = (S_var - S_base) / (T_var - T_base)
 *
 * 1.0: the backend saw exactly the change; 0: it saw none. A uniform
 * slowdown under the profiler cancels (shares, not seconds). */
#define PB_RESPONSE_MIN_CHANGE 0.02   /* |T_var - T_base| below this: NAN */
#define PB_RESPONSE_RESAMPLES 1000    /* bootstrap resamples of the interval */
#define PB_RESPONSE_SEED 1            /* bootstrap seed (results are reproducible) */

/* Per-run shares; NAN entries are ignored. */
struct pb_response_samples {
    const double *s_base, *s_var;     /* a backend's reported shares */
    size_t ns_base, ns_var;
    const double *t_base, *t_var;     /* truth shares */
    size_t nt_base, nt_var;
};

/* The response; NAN when any of the four sets has no finite value or the
 * truth's change is under PB_RESPONSE_MIN_CHANGE in magnitude. */
double pb_response(const struct pb_response_samples *x);

/* Percentile bootstrap interval of pb_response() at level (0.95): each of
 * the four sets is resampled with replacement on its own, resamples times,
 * from a generator seeded with seed; lo and hi are the (1 - level) / 2 and
 * (1 + level) / 2 quantiles (linear interpolation) of the finite resampled
 * responses. NAN when the point estimate is NAN or fewer than half of the
 * resamples give a finite response. */
void pb_response_ci(const struct pb_response_samples *x, size_t resamples, double level,
                    uint64_t seed, double *lo, double *hi);

#endif
