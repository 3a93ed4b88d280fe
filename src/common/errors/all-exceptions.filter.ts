import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IdempotentReplay, pendingIdempotency, settleIdempotency } from '../idempotency/idempotency.guard';
import { IdempotencyService } from '../idempotency/idempotency.service';
import { AppException } from './app.exception';
import { ErrorCode } from './error-code';

interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown; requestId: string };
}

const HTTP_STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: ErrorCode.ValidationError,
  401: ErrorCode.Unauthorized,
  403: ErrorCode.Forbidden,
  404: ErrorCode.NotFound,
  405: ErrorCode.MethodNotAllowed,
  409: ErrorCode.Conflict,
  413: ErrorCode.PayloadTooLarge,
  415: ErrorCode.UnsupportedMediaType,
  429: ErrorCode.RateLimited,
  503: ErrorCode.ServiceUnavailable,
};

/** Fastify's own request errors (body parsing, limits) carry these codes. */
const FASTIFY_ERRORS: Record<string, { code: ErrorCode; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: ErrorCode.ValidationError, message: 'Request body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    code: ErrorCode.ValidationError,
    message: "Request body is empty but Content-Type is 'application/json'",
  },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: ErrorCode.PayloadTooLarge, message: 'Request body is larger than allowed' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: ErrorCode.UnsupportedMediaType, message: 'Unsupported Content-Type' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: ErrorCode.ValidationError, message: 'Content-Length is invalid' },
};

/**
 * Renders every error as `{ error: { code, message, details?, requestId } }`.
 * Anything we did not anticipate becomes a generic 500; its cause goes to the log, never to the client.
 * A failed keyed request releases its Idempotency-Key first, so the client may retry it with the same key;
 * a retried one (`IdempotentReplay`) is answered with the first response.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(private readonly idempotency: IdempotencyService) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') {
      throw exception;
    }
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    if (exception instanceof IdempotentReplay) {
      void reply.status(exception.status).header('Idempotent-Replayed', 'true').send(exception.body);
      return;
    }
    const pending = pendingIdempotency(request);
    if (pending) {
      settleIdempotency(request);
      this.idempotency.release(pending.scope, pending.key).then(
        () => this.respond(exception, request, reply),
        (error: unknown) => {
          this.logger.error({ err: error, requestId: request.id }, 'Idempotency-Key not released');
          this.respond(exception, request, reply);
        },
      );
      return;
    }
    this.respond(exception, request, reply);
  }

  private respond(exception: unknown, request: FastifyRequest, reply: FastifyReply): void {
    const { status, body, headers } = this.render(exception, String(request.id));

    if (status >= 500) {
      this.logger.error(
        { err: exception, requestId: request.id },
        `Unhandled error on ${request.method} ${request.url}`,
      );
    }
    void reply
      .status(status)
      .headers(headers ?? {})
      .type('application/json; charset=utf-8')
      .send(body);
  }

  private render(
    exception: unknown,
    requestId: string,
  ): { status: number; body: ErrorBody; headers?: Record<string, string> } {
    const envelope = (code: ErrorCode, message: string, details?: unknown): ErrorBody => ({
      error: { code, message, ...(details === undefined ? {} : { details }), requestId },
    });

    if (exception instanceof AppException) {
      return {
        status: exception.status,
        body: envelope(exception.code, exception.message, exception.details),
        headers: exception.headers,
      };
    }
    if (exception instanceof ThrottlerException) {
      return { status: 429, body: envelope(ErrorCode.RateLimited, 'Too many requests: rate limit exceeded') };
    }
    const fastifyCode = (exception as { code?: unknown } | null)?.code;
    if (typeof fastifyCode === 'string' && FASTIFY_ERRORS[fastifyCode]) {
      const known = FASTIFY_ERRORS[fastifyCode];
      const status = (exception as { statusCode?: number }).statusCode ?? 400;
      return { status, body: envelope(known.code, known.message) };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = HTTP_STATUS_CODES[status] ?? (status >= 500 ? ErrorCode.InternalError : ErrorCode.ValidationError);
      const message = status === HttpStatus.NOT_FOUND ? 'Route not found' : exception.message;
      return { status, body: envelope(code, message) };
    }
    return { status: 500, body: envelope(ErrorCode.InternalError, 'Internal server error') };
  }
}
