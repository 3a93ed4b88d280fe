import { Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';

/** A job the queue adds every `every` ms, whatever replica's worker then runs it. */
export interface RecurringJob {
  name: string;
  every: number;
}

const logger = new Logger('JobSchedulers');

/**
 * Registers the queue's recurring jobs (upserting is idempotent across replicas and restarts), and
 * registers them again whenever its connection comes back: a Redis that restarted empty has lost
 * them, and the reconciler among them is what recovers the work lost with it.
 */
export async function keepJobSchedulers(queue: Queue, jobs: RecurringJob[]): Promise<void> {
  const register = () =>
    Promise.all(jobs.map(({ name, every }) => queue.upsertJobScheduler(name, { every }, { name, data: {} })));
  await register();
  queue.getBackend().on('ready', () => {
    register().catch((error: unknown) =>
      logger.error(`Recurring jobs of ${queue.name} not registered again: ${String(error)}`),
    );
  });
}
