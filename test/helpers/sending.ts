import { randomInt } from 'node:crypto';
import { bearer, newTenant } from './factories';
import type { TestService } from './test-service';
import { waitFor } from './wait-for';

/** The customer a test talks to: who, and the message they wrote first (for reactions and replies). */
export interface Chat {
  to: string;
  inboundWamid: string;
  inboundId: string;
}

/** A test-mode tenant with its sandbox WABA and phone number; `syncTemplates` also syncs the WABA's templates (hello_world). */
export async function sandboxTenant(service: TestService, { syncTemplates = false }: { syncTemplates?: boolean } = {}) {
  const tenant = await newTenant(service, { mode: 'test' });
  const key = tenant.apiKey.key;
  const wabas = await service.api.GET('/v1/wabas', { headers: bearer(key) });
  const waba = wabas.data!.data[0];
  if (syncTemplates) {
    await service.api.POST('/v1/wabas/{wabaId}/templates/sync', {
      headers: bearer(key),
      params: { path: { wabaId: waba.id } },
    });
  }
  const phone = waba.phoneNumbers[0];
  return {
    tenant,
    key,
    wabaId: waba.id,
    metaWabaId: waba.metaWabaId,
    phoneNumberId: phone.id,
    metaPhoneNumberId: phone.metaPhoneNumberId,
  };
}

/** A fresh customer number: `+1555` and seven random digits. */
export const customerPhone = () => `+1555${randomInt(1_000_000, 9_999_999)}`;

/** The customer writes first through the sandbox, opening the 24-hour window; resolves once the inbound message is listed. */
export async function customerWrites(
  service: TestService,
  key: string,
  phoneNumberId: string,
  from = customerPhone(),
): Promise<Chat> {
  const { data } = await service.api.POST('/v1/sandbox/inbound', {
    headers: bearer(key),
    body: { phoneNumberId, from, type: 'text', text: { body: 'hi' } },
  });
  const inbound = await waitFor('the inbound message', async () => {
    const list = await service.api.GET('/v1/messages', {
      headers: bearer(key),
      params: { query: { direction: 'inbound' } },
    });
    return list.data!.data.find((message) => message.waMessageId === data!.data.messageId);
  });
  return { to: from, inboundWamid: inbound.waMessageId!, inboundId: inbound.id };
}

/** `POST /v1/messages` with a loosely typed body, so tests can also send what the API must refuse. */
export const sendMessage = (service: TestService, key: string, body: Record<string, unknown>) =>
  service.api.POST('/v1/messages', { headers: bearer(key), body: body as never });

/** The message once it has `status`, polled through `GET /v1/messages/{messageId}`. */
export const messageReaches = (service: TestService, key: string, id: string, status: string) =>
  waitFor(`message ${id} to be ${status}`, async () => {
    const result = await service.api.GET('/v1/messages/{messageId}', {
      headers: bearer(key),
      params: { path: { messageId: id } },
    });
    return result.data!.data.status === status ? result.data!.data : undefined;
  });
