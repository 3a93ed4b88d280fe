import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { ApiKeysService } from '../../auth/api-keys/api-keys.service';
import { PersonalAccessTokensService } from '../../auth/personal-access-tokens/personal-access-tokens.service';
import { IdempotencyService } from '../../common/idempotency/idempotency.service';
import { HousekeepingJobName, HousekeepingJobs } from '../../queue/job-payloads';
import { QueueName } from '../../queue/queue-names';

@Processor(QueueName.Housekeeping)
export class HousekeepingProcessor extends WorkerHost {
  private readonly logger = new Logger(HousekeepingProcessor.name);

  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly tokens: PersonalAccessTokensService,
    private readonly idempotency: IdempotencyService,
  ) {
    super();
  }

  async process(job: Job<HousekeepingJobs[HousekeepingJobName], unknown, HousekeepingJobName>): Promise<unknown> {
    switch (job.name) {
      case 'record-credential-usage': {
        const { kind, id, usedAt } = job.data as HousekeepingJobs['record-credential-usage'];
        const service = kind === 'apiKey' ? this.apiKeys : this.tokens;
        await service.recordUsage(id, new Date(usedAt));
        return { recorded: id };
      }
      case 'purge-expired-idempotency-keys': {
        const purged = await this.idempotency.purgeExpired();
        if (purged > 0) {
          this.logger.log(`Purged ${purged} expired idempotency keys`);
        }
        return { purged };
      }
    }
  }
}
