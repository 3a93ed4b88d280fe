import { InjectQueue } from '@nestjs/bullmq';
import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { Public } from '../../auth/decorators';
import { AppException } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { ApiDataResponse, ApiErrorResponses } from '../../common/openapi/api-responses.decorator';
import { QUEUE_BACKEND, type QueueBackendKind } from '../../queue/queue.module';
import { QueueName } from '../../queue/queue-names';

const CHECK_TIMEOUT_MS = 2000;

export class LivenessDto {
  @ApiProperty({ example: 'ok' }) status!: 'ok';
}

export class ReadinessCheckDto {
  @ApiProperty({ example: true }) ok!: boolean;
  @ApiProperty({ required: false, example: 'connect ECONNREFUSED 127.0.0.1:5432' }) error?: string;
}

export class ReadinessChecksDto {
  @ApiProperty({ type: ReadinessCheckDto }) database!: ReadinessCheckDto;
  @ApiProperty({ type: ReadinessCheckDto, description: 'No pending migrations.' }) migrations!: ReadinessCheckDto;
  @ApiProperty({ type: ReadinessCheckDto }) queue!: ReadinessCheckDto;
}

export class ReadinessDto {
  @ApiProperty({ enum: ['ready'] }) status!: 'ready';
  @ApiProperty({ enum: ['redis', 'postgres'], description: 'Which datastore backs the job queues.' })
  queueBackend!: QueueBackendKind;
  @ApiProperty({ type: ReadinessChecksDto }) checks!: ReadinessChecksDto;
}

async function check(probe: () => Promise<unknown>): Promise<ReadinessCheckDto> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([probe(), timeout]);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

@ApiTags('Health')
@Controller('health')
@Public()
export class HealthController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QueueName.Housekeeping) private readonly queue: Queue,
    @Inject(QUEUE_BACKEND) private readonly queueBackend: QueueBackendKind,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Liveness: the process is up and serving HTTP' })
  @ApiDataResponse(LivenessDto)
  getLiveness(): LivenessDto {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness: database reachable, migrations applied, queue backend reachable (503 if not)' })
  @ApiDataResponse(ReadinessDto)
  @ApiErrorResponses(503)
  async getReadiness(): Promise<ReadinessDto> {
    const [database, migrations, queue] = await Promise.all([
      check(() => this.dataSource.query('SELECT 1')),
      check(async () => {
        if (await this.dataSource.showMigrations()) {
          throw new Error('migrations are pending');
        }
      }),
      check(() => this.queue.getJobCounts('waiting')),
    ]);
    const checks = { database, migrations, queue };
    const failing = Object.entries(checks).filter(([, result]) => !result.ok);
    if (failing.length > 0) {
      throw new AppException(
        ErrorCode.ServiceUnavailable,
        `Not ready: ${failing.map(([name, result]) => `${name} (${result.error})`).join(', ')}`,
        { checks },
      );
    }
    return { status: 'ready', queueBackend: this.queueBackend, checks };
  }
}
