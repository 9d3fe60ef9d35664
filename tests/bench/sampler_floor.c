/* sampler_floor: what this machine charges any in-process sampler, whatever
 * it reads. The sampling backend (backends/sampling.c) is a thread that
 * sleeps for the interval, wakes, and reads each thread's CPU clock and
 * memory; its CPU a sample cannot go below what those steps cost here. This
 * program times them alone, with no Python and nothing of the project's:
 *
 *   - a 1 ms sleep and wake-up (nanosleep, as the sampler's thread does), as
 *     CPU time of the sleeping thread: beside a thread that spins on another
 *     CPU (the sampler beside a busy program), on an otherwise idle process,
 *     and sharing one CPU with the spinning thread;
 *   - a read of another thread's CPU clock (clock_gettime on its clock id),
 *     of a spinning thread and of a sleeping one;
 *   - process_vm_readv of 256 bytes of this process (one range);
 *   - a bare system call (getppid), for scale.
 *
 * Usage: sampler-floor [-n SLEEPS] [-c CALLS]   (defaults 2000 and 200000)
 * Prints one line per measurement: microseconds of the measuring thread's
 * CPU each (the median of 5 batches, with their range). Built and run by
 * tests/bench/sampler-floor.sh. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define BATCHES 5

static atomic_int stop_spinning;
static atomic_int spinner_ready;

static int64_t now_ns(clockid_t id)
{
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0)
        return -1;
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void *spin(void *arg)
{
    (void)arg;
    volatile uint64_t x = 0;
    atomic_store(&spinner_ready, 1);
    while (!atomic_load_explicit(&stop_spinning, memory_order_relaxed))
        x = x + 1;
    return NULL;
}

static void *doze(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop_spinning)) {
        struct timespec ts = { 0, 50000000L };
        nanosleep(&ts, NULL);
    }
    return NULL;
}

/* One measurement: the calling thread's CPU per operation, in us, for each
 * of BATCHES batches of n operations. */
enum op { OP_SLEEP, OP_CLOCK, OP_READV, OP_SYSCALL };

struct target {
    clockid_t clock;            /* OP_CLOCK: whose clock */
    unsigned char src[256];     /* OP_READV: what is read */
};

static double batch(enum op op, long n, const struct target *tg)
{
    unsigned char dst[256];
    struct iovec local = { dst, sizeof(dst) };
    struct iovec remote = { (void *)tg->src, sizeof(tg->src) };
    pid_t pid = getpid();
    int64_t sink = 0;
    int64_t c0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
    for (long i = 0; i < n; i++) {
        switch (op) {
        case OP_SLEEP: {
            struct timespec ts = { 0, 1000000L };
            nanosleep(&ts, NULL);
            break;
        }
        case OP_CLOCK:
            sink += now_ns(tg->clock);
            break;
        case OP_READV:
            sink += process_vm_readv(pid, &local, 1, &remote, 1, 0);
            break;
        case OP_SYSCALL:
            sink += syscall(SYS_getppid);
            break;
        }
    }
    int64_t c1 = now_ns(CLOCK_THREAD_CPUTIME_ID);
    if (sink == 42)             /* keeps the calls; never true in practice */
        fputc(' ', stderr);
    return (double)(c1 - c0) / 1e3 / (double)n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void measure(const char *what, enum op op, long n, const struct target *tg)
{
    double v[BATCHES];
    for (int b = 0; b < BATCHES; b++)
        v[b] = batch(op, n / BATCHES > 0 ? n / BATCHES : 1, tg);
    qsort(v, BATCHES, sizeof(v[0]), cmp_double);
    printf("%-52s %8.2f us  [%.2f-%.2f]\n", what, v[BATCHES / 2], v[0], v[BATCHES - 1]);
    fflush(stdout);
}

static int start(pthread_t *th, void *(*fn)(void *), int cpu)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    if (cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
    }
    atomic_store(&spinner_ready, 0);
    int rc = pthread_create(th, &attr, fn, NULL);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        fprintf(stderr, "sampler-floor: pthread_create: %s\n", strerror(rc));
        return -1;
    }
    if (fn == spin)
        while (!atomic_load(&spinner_ready))
            sched_yield();
    return 0;
}

static void finish(pthread_t th)
{
    atomic_store(&stop_spinning, 1);
    pthread_join(th, NULL);
    atomic_store(&stop_spinning, 0);
}

static int pin_self(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (cpu >= 0)
        CPU_SET(cpu, &set);
    else
        for (int i = 0; i < CPU_SETSIZE; i++)
            CPU_SET(i, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

int main(int argc, char **argv)
{
    long sleeps = 2000, calls = 200000;
    int opt;
    while ((opt = getopt(argc, argv, "n:c:h")) != -1) {
        char *end = NULL;
        long v = optarg ? strtol(optarg, &end, 10) : 0;
        if (opt == 'h' || (optarg && (*end || v < BATCHES))) {
            fprintf(stderr, "usage: sampler-floor [-n SLEEPS] [-c CALLS] (each at least %d)\n",
                    BATCHES);
            return opt == 'h' ? 0 : 2;
        }
        if (opt == 'n')
            sleeps = v;
        else
            calls = v;
    }
    if (optind != argc) {
        fprintf(stderr, "sampler-floor: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    static struct target tg;
    memset(tg.src, 7, sizeof(tg.src));
    printf("sampler-floor: %ld online CPUs, %ld sleeps and %ld calls a measurement, "
           "CPU of the measuring thread (median of %d batches [range])\n",
           ncpu, sleeps, calls, BATCHES);
    pthread_t th;

    if (start(&th, spin, -1) < 0)
        return 1;
    measure("sleep 1 ms and wake, another thread spinning", OP_SLEEP, sleeps, &tg);
    pthread_getcpuclockid(th, &tg.clock);
    measure("read a spinning thread's CPU clock", OP_CLOCK, calls, &tg);
    finish(th);

    measure("sleep 1 ms and wake, nothing else running", OP_SLEEP, sleeps, &tg);

    if (pin_self(0) == 0 && start(&th, spin, 0) == 0) {
        measure("sleep 1 ms and wake, sharing a CPU with the spinner", OP_SLEEP, sleeps, &tg);
        finish(th);
    }
    pin_self(-1);

    if (start(&th, doze, -1) < 0)
        return 1;
    pthread_getcpuclockid(th, &tg.clock);
    measure("read a sleeping thread's CPU clock", OP_CLOCK, calls, &tg);
    finish(th);

    unsigned char probe[256];
    struct iovec local = { probe, sizeof(probe) }, remote = { tg.src, sizeof(tg.src) };
    if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == (ssize_t)sizeof(probe))
        measure("process_vm_readv, 256 bytes of this process", OP_READV, calls, &tg);
    else
        printf("%-52s skipped: %s\n", "process_vm_readv", strerror(errno));
    measure("a bare system call (getppid)", OP_SYSCALL, calls, &tg);
    return 0;
}
