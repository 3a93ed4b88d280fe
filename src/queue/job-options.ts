import type { DefaultJobOptions } from 'bullmq';

/** Defaults for every job: bounded retries with backoff, finished jobs trimmed, failures kept a week. */
export const DEFAULT_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};
