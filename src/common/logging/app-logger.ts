import { LoggerService } from '@nestjs/common';
import pino, { Logger as Pino } from 'pino';
import { AppConfig } from '../../config/app-config';

/** JSON logs (pino) at the configured level; credentials are redacted wherever they could appear. */
export function createRootLogger(config: Pick<AppConfig, 'logLevel'>): Pino {
  return pino({
    level: config.logLevel,
    redact: {
      paths: ['*.accessToken', '*.password', '*.headers.authorization', '*.headers["x-api-token"]', '*.headers.cookie'],
      censor: '[redacted]',
    },
  });
}

/** A request's URL as logged: Meta's webhook verification carries our verify token in its query. */
export function loggableUrl(url: string): string {
  return url.includes('verify_token') ? url.replace(/([?&]hub\.verify_token=)[^&]*/g, '$1[redacted]') : url;
}

/**
 * Nest's logger on pino: each line carries its `context` (the class that logged it); an object
 * message is merged into the line (`{ err, requestId }`), an Error logged as `err`.
 */
export class AppLogger implements LoggerService {
  constructor(private readonly pino: Pino) {}

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /** Nest passes the context last; before it, a message for an object, or (for errors) a stack. */
  private write(level: pino.Level, message: unknown, params: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) {
      return;
    }
    const context = params.length > 0 ? params[params.length - 1] : undefined;
    const rest = params.slice(0, -1);
    if (message instanceof Error) {
      this.pino[level]({ context, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.pino[level]({ context, ...message }, typeof rest[0] === 'string' ? rest[0] : undefined);
    } else if (level === 'error' && typeof rest[0] === 'string' && rest[0].includes('\n    at ')) {
      // Nest's own handlers log `error(message, stack, context)`.
      this.pino.error({ context, err: { message: String(message), stack: rest[0] } }, String(message));
    } else {
      this.pino[level]({ context }, String(message));
    }
  }
}
