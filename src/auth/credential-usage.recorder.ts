import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { HousekeepingJobs } from '../queue/job-payloads';
import { QueueName } from '../queue/queue-names';
import { Principal } from './principal';

const RECORD_EVERY_MS = 60_000;

/**
 * Records `lastUsedAt` off the request path: at most one job per credential per minute per
 * process, deduplicated across replicas by job id, so authentication never waits on a write.
 */
@Injectable()
export class CredentialUsageRecorder {
  private readonly logger = new Logger(CredentialUsageRecorder.name);
  private readonly lastRecorded = new Map<string, number>();

  constructor(@InjectQueue(QueueName.Housekeeping) private readonly queue: Queue) {}

  record(principal: Principal): void {
    const kind = principal.kind === 'apiKey' ? 'apiKey' : 'pat';
    const id = principal.kind === 'apiKey' ? principal.apiKeyId : principal.tokenId;
    const now = Date.now();
    if (now - (this.lastRecorded.get(id) ?? 0) < RECORD_EVERY_MS) {
      return;
    }
    if (this.lastRecorded.size > 50_000) {
      this.lastRecorded.clear();
    }
    this.lastRecorded.set(id, now);
    const payload: HousekeepingJobs['record-credential-usage'] = { kind, id, usedAt: new Date(now).toISOString() };
    const minute = Math.floor(now / RECORD_EVERY_MS);
    this.queue
      .add('record-credential-usage', payload, { jobId: `usage-${id}-${minute}`, removeOnComplete: true })
      .catch((error: unknown) => this.logger.warn(`Could not record usage of ${kind} ${id}: ${String(error)}`));
  }
}
