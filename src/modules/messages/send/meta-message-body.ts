import { snakeCaseKeys } from '../message-content';

/** The body of `POST /{phone}/messages` for a stored outbound message. */
export function metaMessageBody(input: {
  type: string;
  content: Record<string, unknown>;
  to: string | null;
  recipient: string | null;
  contextWaMessageId: string | null;
  messageId: string;
}): Record<string, unknown> {
  const payload = input.content[input.type];
  return {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    ...(input.to ? { to: input.to } : { recipient: input.recipient }),
    type: input.type,
    [input.type]: snakeCaseKeys(payload),
    ...(input.contextWaMessageId && { context: { message_id: input.contextWaMessageId } }),
    // Status webhooks echo it: a status can always be matched to the message, even before its wamid is stored.
    biz_opaque_callback_data: input.messageId,
  };
}
