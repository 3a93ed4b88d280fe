import type { SandboxContext } from '../context';
import { GraphError, GraphErrors } from '../graph/graph-error';
import { newWamid, digitsOf } from '../state/ids';
import type { PhoneRecord } from '../state/records';
import type { CustomerRecord } from '../state/sandbox-state';
import { PricingCategory, statusChange, StatusInput } from '../webhooks/payloads';
import { magicBehaviour } from './magic-recipients';
import { checkTemplateSend } from './template-check';
import { checkAuthenticationCode, MessageRuleError, validateMessage, ValidatedMessage } from '@libs/meta-graph';

const SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000;

type Json = Record<string, unknown>;

/** `POST /{phone}/messages`: a send, or a mark-as-read (with or without a typing indicator). */
export function handleMessages(context: SandboxContext, phone: PhoneRecord, body: Json): Json {
  if (body.status !== undefined) {
    return markRead(context, phone, body);
  }
  const message = validated(body);
  if (!phone.registered) {
    throw GraphErrors.notRegistered();
  }
  const { state, limits } = context;
  const customer = state.customer({ waId: message.to, userId: message.recipient });

  const pairKey = `${phone.id}:${message.to ?? customer.userId}`;
  const refusedBefore = state.scriptedRefusals.get(pairKey) ?? 0;
  const behaviour = magicBehaviour(message.to, message.type === 'template', refusedBefore);
  if (behaviour.kind === 'sync') {
    state.scriptedRefusals.set(pairKey, refusedBefore + 1);
    throw behaviour.error;
  }
  if (!limits.takeThroughput(phone.id, phone.throughputLevel)) {
    throw GraphErrors.throughputExceeded();
  }
  if (!limits.takePair(phone.id, customer.userId)) {
    throw GraphErrors.pairRateLimit();
  }
  const template = message.type === 'template' ? checkTemplateSend(state, phone.wabaId, message.content) : undefined;
  if (template?.category === 'AUTHENTICATION') {
    underGraphRules(() => checkAuthenticationCode(message.content));
  }

  const messageId = newWamid(digitsOf(phone.displayPhoneNumber));
  context.sent.push({ phoneNumberId: phone.id, messageId, body, receivedAt: new Date() });

  const insideWindow = isInsideServiceWindow(context, phone, customer);
  const asyncError =
    behaviour.kind === 'async' ? behaviour.error : deliveryProblem(context, phone, message, insideWindow);
  const pricing = pricingOf(template?.category, insideWindow);
  const statusBase = {
    messageId,
    customer,
    phoneKnown: message.to !== undefined,
    bizOpaqueCallbackData: message.bizOpaqueCallbackData,
  };
  if (asyncError) {
    scheduleStatuses(context, phone, [{ ...statusBase, status: 'failed', error: asyncError.toWebhookError() }]);
  } else {
    const reads = message.type !== 'reaction' && behaviour.kind !== 'no-read';
    scheduleStatuses(context, phone, [
      { ...statusBase, status: 'sent', pricing },
      ...(message.type === 'reaction' ? [] : [{ ...statusBase, status: 'delivered' as const, pricing }]),
      ...(reads ? [{ ...statusBase, status: 'read' as const }] : []),
    ]);
  }
  return {
    messaging_product: 'whatsapp',
    contacts: [
      message.to !== undefined
        ? { input: String(body.to), wa_id: customer.waId }
        : { input: String(body.recipient), user_id: customer.userId },
    ],
    messages: [{ id: messageId }],
  };
}

function validated(body: Json): ValidatedMessage {
  return underGraphRules(() => validateMessage(body));
}

/** Runs a check of Meta's rules; a broken rule is the Graph error Meta answers. */
function underGraphRules<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof MessageRuleError) {
      throw new GraphError(
        error.code,
        error.code === 131008
          ? 'Required parameter is missing'
          : error.code === 131009
            ? 'Parameter value is not valid'
            : 'Invalid parameter',
        error.message,
      );
    }
    throw error;
  }
}

function isInsideServiceWindow(context: SandboxContext, phone: PhoneRecord, customer: CustomerRecord): boolean {
  const last = context.state.lastInboundAt.get(`${phone.id}:${customer.userId}`);
  return last !== undefined && Date.now() - last < SERVICE_WINDOW_MS;
}

/** Failures Meta reports only through a `failed` status webhook. */
function deliveryProblem(
  context: SandboxContext,
  phone: PhoneRecord,
  message: ValidatedMessage,
  insideWindow: boolean,
): GraphError | undefined {
  if (message.type !== 'template' && context.enforceServiceWindow && !insideWindow) {
    return GraphErrors.reEngagement();
  }
  const mediaId = typeof message.content.id === 'string' ? message.content.id : undefined;
  if (mediaId !== undefined && context.state.media.get(mediaId)?.phoneNumberId !== phone.id) {
    return GraphErrors.mediaUnavailable(mediaId);
  }
  if (
    message.type === 'reaction' &&
    !context.state.inboundMessageIds.get(phone.id)?.has(String(message.content.message_id))
  ) {
    return GraphErrors.invalidParameterValue('The reaction names a message the customer did not send to this number.');
  }
  return undefined;
}

function pricingOf(templateCategory: string | undefined, insideWindow: boolean): StatusInput['pricing'] {
  if (templateCategory === undefined) {
    return { category: 'service', type: 'free_customer_service' };
  }
  const category = templateCategory.toLowerCase() as PricingCategory;
  return { category, type: category === 'utility' && insideWindow ? 'free_customer_service' : 'regular' };
}

/** Delivers the statuses in order, each after its configured delay from the send. */
function scheduleStatuses(context: SandboxContext, phone: PhoneRecord, statuses: StatusInput[]): void {
  if (statuses.length === 0) {
    return;
  }
  const delays = context.statusDelaysMs;
  const delayOf = (status: StatusInput['status']) => (status === 'failed' ? delays.sent : delays[status]);
  const run = async (index: number): Promise<void> => {
    const status = statuses[index];
    await context.webhooks.deliverChange(context.callbackFor(phone.wabaId, phone), statusChange(phone, status));
    const next = statuses[index + 1];
    if (next) {
      context.later(Math.max(0, delayOf(next.status) - delayOf(status.status)), () => run(index + 1));
    }
  };
  context.later(delayOf(statuses[0].status), () => run(0));
}

function markRead(context: SandboxContext, phone: PhoneRecord, body: Json): Json {
  if (body.messaging_product !== 'whatsapp') {
    throw GraphErrors.invalidParameter("Param messaging_product must be 'whatsapp'.");
  }
  if (body.status !== 'read') {
    throw GraphErrors.invalidParameterValue(`Param status has an unsupported value: ${String(body.status)}.`);
  }
  const messageId = body.message_id;
  if (typeof messageId !== 'string' || messageId === '') {
    throw GraphErrors.missingParameter('The parameter message_id is required.');
  }
  if (!context.state.inboundMessageIds.get(phone.id)?.has(messageId)) {
    throw GraphErrors.invalidParameter(`Param message_id ${messageId} is not a message received by this number.`);
  }
  const typing = body.typing_indicator;
  if (typing !== undefined && (typeof typing !== 'object' || (typing as Json).type !== 'text')) {
    throw GraphErrors.invalidParameterValue("Param typing_indicator['type'] must be 'text'.");
  }
  context.reads.push({ phoneNumberId: phone.id, messageId, body, receivedAt: new Date() });
  return { success: true };
}
