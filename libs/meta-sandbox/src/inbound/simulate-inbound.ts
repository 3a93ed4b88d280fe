import { createHash, randomBytes } from 'node:crypto';
import type { SandboxContext } from '../context';
import { GraphErrors } from '../graph/graph-error';
import { downloadUrl } from '../graph/media-routes';
import { digitsOf, newWamid, unixSeconds } from '../state/ids';
import { INBOUND_MESSAGE_TYPES, InboundSimulation } from '../types';
import { inboundMessagesPayload } from '../webhooks/payloads';

type Json = Record<string, unknown>;

const MEDIA_TYPES = new Set(['image', 'audio', 'video', 'document', 'sticker']);
const DEFAULT_MIME: Record<string, string> = {
  image: 'image/jpeg',
  audio: 'audio/ogg; codecs=opus',
  video: 'video/mp4',
  document: 'application/pdf',
  sticker: 'image/webp',
};

/** Media a customer "sent": stored like an upload so `GET /{media-id}` and the download work. */
function storeCustomerMedia(
  context: SandboxContext,
  phoneId: string,
  wabaId: string,
  type: string,
  content: Json,
): Json {
  if (content.id !== undefined) {
    return content;
  }
  const id = context.state.ids.newId();
  const mimeType = typeof content.mime_type === 'string' ? content.mime_type : DEFAULT_MIME[type];
  const bytes = randomBytes(256);
  const sha256 = createHash('sha256').update(bytes).digest();
  context.state.media.set(id, {
    id,
    phoneNumberId: phoneId,
    wabaId,
    mimeType,
    bytes,
    sha256,
    filename: typeof content.filename === 'string' ? content.filename : undefined,
  });
  return {
    ...content,
    id,
    mime_type: mimeType,
    sha256: sha256.toString('base64'),
    url: downloadUrl(context, id),
    ...(type === 'audio' && content.voice === undefined && { voice: false }),
    ...(type === 'sticker' && content.animated === undefined && { animated: false }),
  };
}

function messageContent(type: string, content: object): Json {
  if (type === 'contacts') {
    if (!Array.isArray(content)) {
      throw GraphErrors.invalidParameter('contacts content is an array of contact cards.');
    }
    return { contacts: content };
  }
  if (type === 'unsupported') {
    return {
      unsupported: content,
      errors: [GraphErrors.unsupportedInbound().toWebhookError()],
    };
  }
  return { [type]: content };
}

/** Delivers a customer's message to a sandbox phone as Meta would, opening the service window. */
export async function simulateInbound(
  context: SandboxContext,
  input: InboundSimulation,
): Promise<{ messageId: string }> {
  const phone = context.state.phones.get(input.phoneNumberId);
  if (!phone) {
    throw new Error(`Sandbox phone number ${input.phoneNumberId} does not exist`);
  }
  if (!INBOUND_MESSAGE_TYPES.includes(input.type)) {
    throw new Error(`Unknown inbound message type ${String(input.type)}`);
  }
  if (!input.from && !input.userId) {
    throw new Error('An inbound message needs `from`, `userId` or both');
  }
  const customer = context.state.customer({ waId: input.from, userId: input.userId });
  if (input.username !== undefined) {
    customer.username = input.username;
  }
  if (input.profileName !== undefined) {
    customer.profileName = input.profileName;
  }

  const content = MEDIA_TYPES.has(input.type)
    ? storeCustomerMedia(context, phone.id, phone.wabaId, input.type, input.content as Json)
    : input.content;
  const messageId = newWamid(customer.waId ?? digitsOf(customer.userId));
  const message: Json = {
    ...(customer.waId !== undefined && { from: customer.waId }),
    from_user_id: customer.userId,
    id: messageId,
    timestamp: unixSeconds(),
    type: input.type,
    ...(input.context && {
      context: { from: input.context.from ?? digitsOf(phone.displayPhoneNumber), id: input.context.id },
    }),
    ...(input.referral && { referral: input.referral }),
    ...messageContent(input.type, content),
  };
  context.limits.takeThroughput(phone.id, phone.throughputLevel);
  if (input.type !== 'system') {
    context.state.lastInboundAt.set(`${phone.id}:${customer.userId}`, Date.now());
  }
  const received = context.state.inboundMessageIds.get(phone.id) ?? new Set<string>();
  received.add(messageId);
  context.state.inboundMessageIds.set(phone.id, received);

  const delivered = await context.webhooks.deliver(
    context.callbackFor(phone.wabaId, phone),
    inboundMessagesPayload(phone, customer, message),
  );
  if (!delivered) {
    throw new Error(`The webhook callback did not acknowledge inbound message ${messageId}`);
  }
  return { messageId };
}
