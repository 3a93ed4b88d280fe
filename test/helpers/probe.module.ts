import { BullModule, InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Controller, Get, HttpCode, Injectable, Module, Post } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Job, Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { ApiKeyAuth, Public } from '../../src/auth/decorators';
import { Idempotent } from '../../src/common/idempotency/idempotent.decorator';

/** A deferred the test resolves to let a probe's slow request or job finish. */
export class Gate {
  readonly opened: Promise<void>;
  open!: () => void;
  constructor() {
    this.opened = new Promise((resolve) => (this.open = resolve));
  }
}

/** Shared between a suite and the probes it mounts in the service under test. */
export const probeState = {
  requestGate: new Gate(),
  requestStarted: new Gate(),
  jobGate: new Gate(),
  jobStarted: new Gate(),
  finishedJobs: [] as string[],
  emptyCalls: 0,
  reset() {
    this.requestGate = new Gate();
    this.requestStarted = new Gate();
    this.jobGate = new Gate();
    this.jobStarted = new Gate();
    this.finishedJobs = [];
  },
};

export const PROBE_QUEUE = 'test-probe';

@Controller('v1/probe')
class ProbeController {
  constructor(@InjectQueue(PROBE_QUEUE) private readonly queue: Queue) {}

  @Get('scoped')
  @ApiKeyAuth('messages:write')
  scoped() {
    return { ok: true };
  }

  /** Answers only when the test opens the gate: an in-flight request during shutdown. */
  @Get('slow')
  @Public()
  async slow() {
    probeState.requestStarted.open();
    await probeState.requestGate.opened;
    return { finished: true };
  }

  /** An idempotent route answered without a body: nothing to store, so its key must not stay claimed. */
  @Post('idempotent-empty')
  @HttpCode(204)
  @ApiKeyAuth('messages:write')
  @Idempotent()
  idempotentEmpty(): void {
    probeState.emptyCalls += 1;
  }

  @Get('enqueue-slow-job')
  @Public()
  async enqueueSlowJob() {
    const job = await this.queue.add('slow', {});
    return { jobId: job.id };
  }
}

/** Holds its job until the gate opens, then uses the database: shutdown must wait and keep it open. */
@Processor(PROBE_QUEUE)
@Injectable()
class ProbeProcessor extends WorkerHost {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    super();
  }

  async process(job: Job): Promise<string> {
    probeState.jobStarted.open();
    await probeState.jobGate.opened;
    const [{ now }] = (await this.dataSource.query('SELECT now() AS now')) as { now: Date }[];
    probeState.finishedJobs.push(String(job.id));
    return now.toISOString();
  }
}

@Module({
  imports: [BullModule.registerQueue({ name: PROBE_QUEUE })],
  controllers: [ProbeController],
  providers: [ProbeProcessor],
})
export class ProbeModule {}
