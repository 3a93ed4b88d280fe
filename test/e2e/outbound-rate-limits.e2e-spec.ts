import { MAGIC_RECIPIENTS } from '@libs/meta-sandbox';
import { SandboxHost } from '../../src/modules/meta/sandbox-host';
import { bearer } from '../helpers/factories';
import { customerWrites, messageReaches, sandboxTenant, sendMessage } from '../helpers/sending';
import { startTestService, TestService } from '../helpers/test-service';
import { waitFor } from '../helpers/wait-for';

const BACKOFF_MS = 10;
const MAX_WAIT_MS = 8000;

/**
 * Meta's rate limits (the phone's throughput, 130429; the pair rate to one customer, 131056)
 * reschedule just the message they refused, without using up its attempts (3 here).
 */
describe('Sending under Meta’s rate limits', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({
      SEND_MAX_ATTEMPTS: '3',
      SEND_RETRY_DELAY_MS: '50',
      SEND_RATE_LIMIT_BACKOFF_MS: String(BACKOFF_MS),
      SEND_RATE_LIMIT_MAX_WAIT_MS: String(MAX_WAIT_MS),
    });
  });
  afterAll(() => service.close());

  const sandbox = () => service.context.get(SandboxHost).get();
  const refusalsOf = async (metaPhoneNumberId: string, messageId: string) =>
    (await sandbox())
      .refusedMessages(metaPhoneNumberId)
      .filter((refused) => refused.body.biz_opaque_callback_data === messageId);
  const reachedMeta = async (metaPhoneNumberId: string, messageId: string) =>
    (await sandbox()).sentMessages(metaPhoneNumberId).find((sent) => sent.body.biz_opaque_callback_data === messageId);
  /** A text to a customer whose sends the sandbox refuses by script, and a second customer of the same phone. */
  async function sendToScripted(magic: string) {
    const tenant = await sandboxTenant(service);
    const { key, phoneNumberId } = tenant;
    const limited = await customerWrites(service, key, phoneNumberId, `+${magic}`);
    const other = await customerWrites(service, key, phoneNumberId);
    const accepted = await sendMessage(service, key, {
      phoneNumberId,
      to: limited.to,
      type: 'text',
      text: { body: 'Your order shipped' },
    });
    return { ...tenant, other, messageId: accepted.data!.data.id };
  }
  const getMessage = async (key: string, id: string) =>
    (await service.api.GET('/v1/messages/{messageId}', { headers: bearer(key), params: { path: { messageId: id } } }))
      .data!.data;

  it('sends a message refused four times for the pair rate limit, waiting 4^X longer each time, others meanwhile', async () => {
    const { key, phoneNumberId, metaPhoneNumberId, other, messageId } = await sendToScripted(
      MAGIC_RECIPIENTS.pairRateLimitedFourTimes,
    );
    await waitFor('the first refusal', async () =>
      (await refusalsOf(metaPhoneNumberId, messageId)).length ? 1 : undefined,
    );
    // Another customer of the same phone is served meanwhile.
    const unaffected = await sendMessage(service, key, {
      phoneNumberId,
      to: other.to,
      type: 'text',
      text: { body: 'hi' },
    });
    await messageReaches(service, key, unaffected.data!.data.id, 'read');
    expect(await reachedMeta(metaPhoneNumberId, messageId)).toBeUndefined();

    const read = await messageReaches(service, key, messageId, 'read');
    expect(read).toMatchObject({ attempts: 5, error: null });
    const refusals = await refusalsOf(metaPhoneNumberId, messageId);
    expect(refusals.map((refused) => refused.code)).toEqual([131056, 131056, 131056, 131056]);
    const sent = (await reachedMeta(metaPhoneNumberId, messageId))!;
    const times = [...refusals.map((refused) => refused.receivedAt), sent.receivedAt].map((at) => at.getTime());
    const gaps = times.slice(1).map((at, index) => at - times[index]);
    // Never sooner than Meta asks: 4^X times the backoff.
    gaps.forEach((gap, x) => expect(gap).toBeGreaterThanOrEqual(BACKOFF_MS * 4 ** x));
    // The status history shows no failure on the way.
    const history = await service.api.GET('/v1/messages/{messageId}/statuses', {
      headers: bearer(key),
      params: { path: { messageId } },
    });
    expect(history.data!.data.map((event) => event.status)).toEqual(['sent', 'delivered', 'read']);
  });

  it('sends a message refused four times for throughput, and holds back its phone’s other sends meanwhile', async () => {
    const { key, phoneNumberId, metaPhoneNumberId, other, messageId } = await sendToScripted(
      MAGIC_RECIPIENTS.throughputExceededFourTimes,
    );
    // Rescheduled: the phone was paused before the message went back to the queue.
    await waitFor('the message to be rescheduled', async () => {
      const message = await getMessage(key, messageId);
      return message.status === 'queued' && message.attempts >= 1 ? message : undefined;
    });
    const [firstRefusal] = await refusalsOf(metaPhoneNumberId, messageId);
    const held = await sendMessage(service, key, { phoneNumberId, to: other.to, type: 'text', text: { body: 'hi' } });
    const heldSent = await waitFor('the other send to reach Meta', () =>
      reachedMeta(metaPhoneNumberId, held.data!.data.id),
    );
    // Meta counts throughput per second: the phone sent nothing for a second after it was told.
    expect(heldSent.receivedAt.getTime() - firstRefusal.receivedAt.getTime()).toBeGreaterThanOrEqual(1000);

    const sent = await messageReaches(service, key, messageId, 'read');
    expect(sent).toMatchObject({ attempts: 5, error: null });
    expect((await refusalsOf(metaPhoneNumberId, messageId)).map((refused) => refused.code)).toEqual([
      130429, 130429, 130429, 130429,
    ]);
  });

  it('fails a message still rate limited once it would wait past SEND_RATE_LIMIT_MAX_WAIT_MS, with Meta’s code', async () => {
    const { key, phoneNumberId, metaPhoneNumberId } = await sandboxTenant(service);
    const { to } = await customerWrites(service, key, phoneNumberId, `+${MAGIC_RECIPIENTS.pairRateLimited}`);
    const accepted = await sendMessage(service, key, { phoneNumberId, to, type: 'text', text: { body: 'hi' } });
    const failed = await messageReaches(service, key, accepted.data!.data.id, 'failed');
    expect(failed.error).toMatchObject({ code: 131056 });
    // More attempts than SEND_MAX_ATTEMPTS: rate limits do not use them up.
    expect(failed.attempts).toBeGreaterThan(3);
    const refusals = await refusalsOf(metaPhoneNumberId, failed.id);
    expect(refusals).toHaveLength(failed.attempts);
    // It gave up because its next wait (4^X times the backoff, up to half more) would have ended past
    // the longest wait (the decision comes a moment after Meta's answer: a second is allowed for it).
    const longestNextWaitMs = BACKOFF_MS * 4 ** (failed.attempts - 1) * 1.5;
    expect(refusals[refusals.length - 1].receivedAt.getTime() + longestNextWaitMs + 1000).toBeGreaterThan(
      refusals[0].receivedAt.getTime() + MAX_WAIT_MS,
    );
  });

  it('fails an error that may pass but is no rate limit after SEND_MAX_ATTEMPTS attempts, with Meta’s code', async () => {
    const { key, phoneNumberId, metaPhoneNumberId } = await sandboxTenant(service);
    const { to } = await customerWrites(service, key, phoneNumberId, `+${MAGIC_RECIPIENTS.serverErrorAlways}`);
    const accepted = await sendMessage(service, key, { phoneNumberId, to, type: 'text', text: { body: 'hi' } });
    const failed = await messageReaches(service, key, accepted.data!.data.id, 'failed');
    expect(failed).toMatchObject({ attempts: 3, error: { code: 131000 } });
    // Its event names the customer, as every message event does.
    const events = await service.api.GET('/v1/events', {
      headers: bearer(key),
      params: { query: { type: 'message.failed' } },
    });
    const event = events.data!.data.find((candidate) => (candidate.data as { id: string }).id === failed.id);
    const contact = await service.api.GET('/v1/contacts/{contactId}', {
      headers: bearer(key),
      params: { path: { contactId: failed.contactId! } },
    });
    expect(event!.data).toMatchObject({
      id: failed.id,
      status: 'failed',
      contactIdentifier: contact.data!.data.contactIdentifier,
      contactReplyTo: to,
    });
    expect((await refusalsOf(metaPhoneNumberId, failed.id)).map((refused) => refused.code)).toEqual([
      131000, 131000, 131000,
    ]);
  });
});
