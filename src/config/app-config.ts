import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, validateSync } from 'class-validator';
import { join, resolve } from 'node:path';
import { mostBasicMessage } from '../common/errors/validation-errors';

export const APP_ROLES = ['all', 'api', 'worker'] as const;
export type AppRole = (typeof APP_ROLES)[number];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
type LogLevel = (typeof LOG_LEVELS)[number];

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
const toBool = ({ value }: { value: unknown }) =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;

/**
 * Every environment variable the service reads. `.env.example` documents the same list;
 * a missing or malformed value stops the process at boot with one line naming it.
 */
export class EnvironmentVariables {
  @IsOptional() @IsIn(['development', 'production', 'test']) NODE_ENV?: string;
  @IsOptional() @IsIn(APP_ROLES) APP_ROLE?: AppRole;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535) PORT?: number;
  @IsOptional() @IsString() HOST?: string;
  @IsOptional() @IsString() DATA_DIR?: string;
  @IsOptional() @Matches(/^postgres(ql)?:\/\/.+/, { message: 'must be a postgres:// URL' }) DATABASE_URL?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(200) DATABASE_POOL_SIZE?: number;
  @IsOptional() @Transform(toBool) @IsBoolean() DATABASE_RUN_MIGRATIONS?: boolean;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(65535) EMBEDDED_POSTGRES_PORT?: number;
  @IsOptional() @Matches(/^rediss?:\/\/.+/, { message: 'must be a redis:// or rediss:// URL' }) REDIS_URL?: string;
  @IsOptional()
  @Matches(/^[A-Za-z0-9_:.-]{1,64}$/, { message: 'must be 1-64 letters, digits, _ : . -' })
  REDIS_KEY_PREFIX?: string;
  @IsOptional() @IsIn(LOG_LEVELS) LOG_LEVEL?: LogLevel;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1024) @Max(104_857_600) BODY_LIMIT_BYTES?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(300_000) API_KEY_CACHE_TTL_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1_000_000) RATE_LIMIT_PER_MINUTE?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(720) IDEMPOTENCY_KEY_TTL_HOURS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1000) @Max(600_000) SHUTDOWN_TIMEOUT_MS?: number;
  @IsOptional() @Matches(/^https?:\/\/[^\s]+$/, { message: 'must be an http(s) URL' }) PUBLIC_URL?: string;
  @IsOptional()
  @Matches(/^([A-Za-z0-9+/]{43}=|[0-9a-fA-F]{64})$/, { message: 'must be 32 bytes, as base64 or hex' })
  ENCRYPTION_KEY?: string;
  @IsOptional() @Matches(/^https?:\/\/[^\s]+$/, { message: 'must be an http(s) URL' }) META_GRAPH_URL?: string;
  @IsOptional() @Matches(/^v\d+\.\d+$/, { message: 'must look like v25.0' }) META_API_VERSION?: string;
  @IsOptional() @IsString() META_APP_ID?: string;
  @IsOptional() @IsString() META_APP_SECRET?: string;
  @IsOptional() @IsString() META_WEBHOOK_VERIFY_TOKEN?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(100) @Max(120_000) META_TIMEOUT_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(10_000) META_HTTP_CONNECTIONS?: number;
  @IsOptional() @Transform(toBool) @IsBoolean() SANDBOX_ENABLED?: boolean;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(60_000) SANDBOX_STATUS_DELAY_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(500) RECOVERY_AFTER_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(50) SEND_MAX_ATTEMPTS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(10) SEND_RETRY_DELAY_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(10) SEND_RATE_LIMIT_BACKOFF_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1000) SEND_RATE_LIMIT_MAX_WAIT_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(100) RECOVERY_INTERVAL_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(10_080) PHONE_RESYNC_INTERVAL_MINUTES?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(3650) META_WEBHOOK_RETENTION_DAYS?: number;
  @IsOptional() @IsString() MEDIA_DIR?: string;
  @IsOptional() @IsIn(['local', 's3']) MEDIA_STORAGE?: 'local' | 's3';
  @IsOptional() @Matches(/^https?:\/\/[^\s]+$/, { message: 'must be an http(s) URL' }) S3_ENDPOINT?: string;
  @IsOptional() @IsString() S3_BUCKET?: string;
  @IsOptional() @IsString() S3_REGION?: string;
  @IsOptional() @IsString() S3_ACCESS_KEY_ID?: string;
  @IsOptional() @IsString() S3_SECRET_ACCESS_KEY?: string;
  @IsOptional() @Transform(toBool) @IsBoolean() OUTGOING_WEBHOOKS_ALLOW_PRIVATE_URLS?: boolean;
  @IsOptional() @Transform(toBool) @IsBoolean() OUTGOING_WEBHOOKS_ALLOW_HTTP?: boolean;
  @IsOptional() @Transform(toInt) @IsInt() @Min(100) @Max(60_000) OUTGOING_WEBHOOK_TIMEOUT_MS?: number;
  @IsOptional()
  @Matches(/^\d+(,\d+){0,19}$/, { message: 'must be up to 20 comma-separated delays in milliseconds' })
  OUTGOING_WEBHOOK_RETRY_SCHEDULE?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) OUTGOING_WEBHOOK_DISABLE_AFTER_MS?: number;
}

export interface AppConfig {
  env: string;
  role: AppRole;
  http: { host: string; port: number; bodyLimitBytes: number };
  dataDir: string;
  database: {
    /** Unset: an embedded PostgreSQL is started under `dataDir`. */
    url?: string;
    poolSize: number;
    runMigrationsAtStart: boolean;
    embeddedPort: number;
  };
  /** Unset: queues use BullMQ's PostgreSQL backend in the same database. */
  redis?: { url: string; keyPrefix: string };
  logLevel: LogLevel;
  auth: { apiKeyCacheTtlMs: number };
  rateLimit: { defaultPerMinute: number };
  idempotency: { ttlHours: number };
  shutdownTimeoutMs: number;
  /** How Meta (and the in-process sandbox) reach this service; unset: this process's own address. */
  publicUrl?: string;
  /** 32-byte key for secrets at rest; unset in an embedded setup: generated once into DATA_DIR. */
  encryptionKey?: Buffer;
  meta: {
    graphUrl: string;
    apiVersion: string;
    appId?: string;
    appSecret: string;
    webhookVerifyToken?: string;
    timeoutMs: number;
    /** Sockets per Graph API origin, if capped: requests beyond wait for one instead of opening more. */
    connections?: number;
  };
  sandbox: { enabled: boolean; statusDelayMs: number };
  /**
   * Recovery of work whose job was lost (queue wiped, worker killed): a Meta webhook still not
   * ingested, or an accepted message still not handed to Meta, `afterMs` after it was last touched
   * is queued again; the check runs every `intervalMs`.
   */
  recovery: { afterMs: number; intervalMs: number };
  /**
   * Attempts per outbound message for errors that may pass, with exponential backoff from
   * `retryDelayMs`; Meta's rate limits reschedule a message without using up an attempt, backing off
   * from `rateLimitBackoffMs`, until it would wait past `rateLimitMaxWaitMs` since its first rate limit.
   */
  sending: { maxAttempts: number; retryDelayMs: number; rateLimitBackoffMs: number; rateLimitMaxWaitMs: number };
  phoneResyncIntervalMinutes: number;
  metaWebhookRetentionDays: number;
  /** Where media files are kept (default DATA_DIR/media). */
  mediaDir: string;
  /** With `s3`, media files live in `s3` instead of `mediaDir`. */
  mediaStorage: 'local' | 's3';
  s3?: { endpoint: string; bucket: string; region: string; accessKeyId: string; secretAccessKey: string };
  outgoingWebhooks: {
    allowPrivateUrls: boolean;
    allowHttp: boolean;
    timeoutMs: number;
    /** Delay before each attempt, the first included (Svix's schedule by default). */
    retryScheduleMs: number[];
    /** An endpoint failing without a success for this long is disabled. */
    disableAfterMs: number;
  };
}

const HOUR = 3600_000;
const DEFAULT_RETRY_SCHEDULE_MS = [0, 5_000, 5 * 60_000, 30 * 60_000, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR];

/** Only for development and tests: production sets META_APP_SECRET (enforced below). */
const DEVELOPMENT_APP_SECRET = 'openwaba-development-app-secret';

export class ConfigValidationError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const vars = plainToInstance(EnvironmentVariables, present, { excludeExtraneousValues: false });
  const errors = validateSync(vars, { skipMissingProperties: false, whitelist: false });
  if (errors.length > 0) {
    const lines = errors.map((error) => {
      const reason = mostBasicMessage(error.constraints ?? {}) ?? 'is invalid';
      return `${error.property} ${reason.replace(`${error.property} `, '')} (got ${JSON.stringify(error.value)})`;
    });
    throw new ConfigValidationError(`Invalid configuration: ${lines.join('; ')}`);
  }

  const env_ = vars.NODE_ENV ?? 'development';
  const missing = [
    env_ === 'production' && !vars.META_APP_SECRET ? 'META_APP_SECRET is required when NODE_ENV=production' : undefined,
    vars.DATABASE_URL && !vars.ENCRYPTION_KEY
      ? 'ENCRYPTION_KEY is required when DATABASE_URL is set (32 bytes as base64 or hex, e.g. `openssl rand -base64 32`)'
      : undefined,
    ...missingS3Variables(vars),
  ].filter((line): line is string => line !== undefined);
  if (missing.length > 0) {
    throw new ConfigValidationError(`Invalid configuration: ${missing.join('; ')}`);
  }

  const redisUrl = vars.REDIS_URL;
  const port = vars.PORT ?? 3000;
  return {
    env: env_,
    role: vars.APP_ROLE ?? 'all',
    // Meta sends webhook payloads of up to 3 MB.
    http: { host: vars.HOST ?? '0.0.0.0', port, bodyLimitBytes: vars.BODY_LIMIT_BYTES ?? 3_145_728 },
    dataDir: resolve(vars.DATA_DIR ?? './.data'),
    database: {
      url: vars.DATABASE_URL,
      poolSize: vars.DATABASE_POOL_SIZE ?? 10,
      runMigrationsAtStart: vars.DATABASE_RUN_MIGRATIONS ?? true,
      embeddedPort: vars.EMBEDDED_POSTGRES_PORT ?? 54329,
    },
    redis: redisUrl ? { url: redisUrl, keyPrefix: vars.REDIS_KEY_PREFIX ?? 'owb' } : undefined,
    logLevel: vars.LOG_LEVEL ?? 'info',
    auth: { apiKeyCacheTtlMs: vars.API_KEY_CACHE_TTL_MS ?? 5000 },
    rateLimit: { defaultPerMinute: vars.RATE_LIMIT_PER_MINUTE ?? 600 },
    idempotency: { ttlHours: vars.IDEMPOTENCY_KEY_TTL_HOURS ?? 24 },
    shutdownTimeoutMs: vars.SHUTDOWN_TIMEOUT_MS ?? 30_000,
    publicUrl: vars.PUBLIC_URL?.replace(/\/+$/, ''),
    encryptionKey: vars.ENCRYPTION_KEY ? decodeKey(vars.ENCRYPTION_KEY) : undefined,
    meta: {
      graphUrl: (vars.META_GRAPH_URL ?? 'https://graph.facebook.com').replace(/\/+$/, ''),
      apiVersion: vars.META_API_VERSION ?? 'v25.0',
      appId: vars.META_APP_ID,
      appSecret: vars.META_APP_SECRET ?? DEVELOPMENT_APP_SECRET,
      webhookVerifyToken: vars.META_WEBHOOK_VERIFY_TOKEN,
      timeoutMs: vars.META_TIMEOUT_MS ?? 10_000,
      connections: vars.META_HTTP_CONNECTIONS,
    },
    sandbox: { enabled: vars.SANDBOX_ENABLED ?? true, statusDelayMs: vars.SANDBOX_STATUS_DELAY_MS ?? 500 },
    recovery: { afterMs: vars.RECOVERY_AFTER_MS ?? 120_000, intervalMs: vars.RECOVERY_INTERVAL_MS ?? 60_000 },
    sending: {
      maxAttempts: vars.SEND_MAX_ATTEMPTS ?? 5,
      retryDelayMs: vars.SEND_RETRY_DELAY_MS ?? 1000,
      rateLimitBackoffMs: vars.SEND_RATE_LIMIT_BACKOFF_MS ?? 1000,
      rateLimitMaxWaitMs: vars.SEND_RATE_LIMIT_MAX_WAIT_MS ?? 4 * 60 * 60_000,
    },
    phoneResyncIntervalMinutes: vars.PHONE_RESYNC_INTERVAL_MINUTES ?? 60,
    metaWebhookRetentionDays: vars.META_WEBHOOK_RETENTION_DAYS ?? 30,
    mediaDir: resolve(vars.MEDIA_DIR ?? join(vars.DATA_DIR ?? './.data', 'media')),
    mediaStorage: vars.MEDIA_STORAGE ?? 'local',
    s3:
      vars.MEDIA_STORAGE === 's3'
        ? {
            endpoint: vars.S3_ENDPOINT!,
            bucket: vars.S3_BUCKET!,
            region: vars.S3_REGION ?? 'us-east-1',
            accessKeyId: vars.S3_ACCESS_KEY_ID!,
            secretAccessKey: vars.S3_SECRET_ACCESS_KEY!,
          }
        : undefined,
    outgoingWebhooks: {
      allowPrivateUrls: vars.OUTGOING_WEBHOOKS_ALLOW_PRIVATE_URLS ?? false,
      allowHttp: vars.OUTGOING_WEBHOOKS_ALLOW_HTTP ?? false,
      timeoutMs: vars.OUTGOING_WEBHOOK_TIMEOUT_MS ?? 15_000,
      retryScheduleMs: vars.OUTGOING_WEBHOOK_RETRY_SCHEDULE?.split(',').map(Number) ?? DEFAULT_RETRY_SCHEDULE_MS,
      disableAfterMs: vars.OUTGOING_WEBHOOK_DISABLE_AFTER_MS ?? 5 * 24 * HOUR,
    },
  };
}

const S3_REQUIRED = ['S3_ENDPOINT', 'S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const;

function missingS3Variables(vars: EnvironmentVariables): string[] {
  return vars.MEDIA_STORAGE === 's3'
    ? S3_REQUIRED.filter((name) => !vars[name]).map((name) => `${name} is required when MEDIA_STORAGE=s3`)
    : [];
}

function decodeKey(value: string): Buffer {
  return /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
}
