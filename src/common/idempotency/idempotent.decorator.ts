import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { IdempotencyGuard } from './idempotency.guard';

/** Lets a creating POST accept `Idempotency-Key`: a retry with the same key and body gets the first response. */
export function Idempotent() {
  return applyDecorators(
    UseGuards(IdempotencyGuard),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'A unique string (up to 255 characters, e.g. a UUID) that makes retrying this request safe for 24 hours. ' +
        'A retry with the same key and body returns the first response with `Idempotent-Replayed: true`; ' +
        'the same key with a different body is refused with IDEMPOTENCY_KEY_REUSED.',
      schema: { type: 'string', maxLength: 255 },
    }),
  );
}
