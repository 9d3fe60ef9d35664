/* sampling.h: a test hook of the sampling backend (sampling.c). */
#ifndef PB_SAMPLING_H
#define PB_SAMPLING_H

/* For tests only, on a sampler created and not started (its thread would
 * race): take one sample of every thread now, from the calling thread, which
 * holds the GIL and is inside C, so its own stack cannot change meanwhile;
 * then compare each thread walked by that sample, frame by frame (address
 * and code), with a full walk from its leaf that ignores the frame cache.
 * Returns the number of threads whose stacks differ and sets *compared to
 * the number compared; -1 when the sampler is running or unreadable, or
 * when this interpreter has no sampler (before 3.11). */
long pb_sampling_sample_now(void *state, long *compared);

#endif
