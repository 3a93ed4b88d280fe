import type { IncomingMessage } from 'node:http';
import type { Params } from 'nestjs-pino';
import { AppConfig } from '../../config/app-config';

/** JSON logs with the request id on every line; credentials are redacted wherever they could appear. */
export function loggerOptions(config: AppConfig): Params {
  return {
    pinoHttp: {
      level: config.logLevel,
      // Fastify assigned the id (see request-id.ts); pino-http logs the same one.
      genReqId: (request: IncomingMessage) => (request as IncomingMessage & { id?: string }).id ?? 'unknown',
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers["x-api-token"]',
          'req.headers.cookie',
          'res.headers["set-cookie"]',
          '*.accessToken',
          '*.password',
        ],
        censor: '[redacted]',
      },
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      autoLogging: { ignore: (request: IncomingMessage) => request.url?.startsWith('/health') ?? false },
    },
  };
}
