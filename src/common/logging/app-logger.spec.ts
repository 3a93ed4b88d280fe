import pino from 'pino';
import { Writable } from 'node:stream';
import { AppLogger, loggableUrl } from './app-logger';

/** An AppLogger writing JSON lines into an array, with the root logger's redaction. */
function capture(level: pino.Level = 'info') {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const root = pino({ level, redact: { paths: ['*.accessToken'], censor: '[redacted]' } }, sink);
  return { logger: new AppLogger(root), lines };
}

describe('AppLogger', () => {
  it('writes a message with the context that logged it, at its level', () => {
    const { logger, lines } = capture();
    logger.log('Worker started', 'Service');
    logger.warn('Queued 3 message(s) again', 'MessageDeliveryService');
    expect(lines).toEqual([
      expect.objectContaining({ level: 30, context: 'Service', msg: 'Worker started' }),
      expect.objectContaining({ level: 40, context: 'MessageDeliveryService', msg: 'Queued 3 message(s) again' }),
    ]);
  });

  it('merges an object message into the line, redacting credentials', () => {
    const { logger, lines } = capture();
    logger.error(
      { requestId: 'req_1', waba: { accessToken: 'EAAG-secret' } },
      'Unhandled error on GET /v1/x',
      'Errors',
    );
    expect(lines[0]).toMatchObject({
      level: 50,
      context: 'Errors',
      requestId: 'req_1',
      waba: { accessToken: '[redacted]' },
      msg: 'Unhandled error on GET /v1/x',
    });
  });

  it('logs an Error with its stack, and Nest’s own error(message, stack, context) the same way', () => {
    const { logger, lines } = capture();
    logger.error(new Error('boom'), 'Errors');
    const stack = new Error('bang').stack!;
    logger.error('bang', stack, 'ExceptionHandler');
    expect(lines[0]).toMatchObject({ context: 'Errors', msg: 'boom', err: { message: 'boom' } });
    expect((lines[0].err as { stack: string }).stack).toContain('app-logger.spec');
    expect(lines[1]).toMatchObject({ context: 'ExceptionHandler', msg: 'bang', err: { message: 'bang', stack } });
  });

  it('writes nothing below its level', () => {
    const { logger, lines } = capture('warn');
    logger.log('quiet', 'Service');
    logger.debug('quieter', 'Service');
    logger.warn('heard', 'Service');
    expect(lines.map((line) => line.msg)).toEqual(['heard']);
  });

  it('logs the URL of Meta’s webhook verification without our verify token', () => {
    expect(loggableUrl('/v1/webhooks/meta?hub.mode=subscribe&hub.verify_token=s3cret&hub.challenge=42')).toBe(
      '/v1/webhooks/meta?hub.mode=subscribe&hub.verify_token=[redacted]&hub.challenge=42',
    );
    expect(loggableUrl('/v1/messages?status=sent')).toBe('/v1/messages?status=sent');
  });
});
