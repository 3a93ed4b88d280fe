import type { SandboxContext } from '../context';
import { handleMessages } from '../messages/send-message';
import type { PhoneRecord, WabaRecord } from '../state/records';
import { createTemplate, deleteTemplates, editTemplate } from '../templates/template-management';
import { page, selectFields } from './fields';
import { GraphError, GraphErrors } from './graph-error';
import type { GraphRequest } from './http';
import { handleMediaDownload, handleMediaNode, handleMediaUpload } from './media-routes';
import {
  PHONE_DEFAULT_FIELDS,
  phoneFields,
  TEMPLATE_DEFAULT_FIELDS,
  templateFields,
  WABA_DEFAULT_FIELDS,
  wabaFields,
} from './views';

export interface RouteResult {
  status?: number;
  body?: unknown;
  /** Raw bytes (media download). */
  bytes?: { data: Buffer; contentType: string };
}

const PIN = /^\d{6}$/;

/** Dispatches a Graph request to the node or edge it names. */
export async function route(context: SandboxContext, request: GraphRequest): Promise<RouteResult> {
  const [id, edge, ...rest] = request.segments;
  if (id === 'oauth' && edge === 'access_token' && request.method === 'GET') {
    return { body: exchangeCode(context, request.query) };
  }
  if (!request.token) {
    throw GraphErrors.missingToken();
  }
  if (!context.state.isKnownToken(request.token)) {
    throw GraphErrors.invalidToken();
  }
  if (id === 'whatsapp_business' && edge === 'attachments') {
    return handleMediaDownload(context, request);
  }
  if (!id || rest.length > 0) {
    throw GraphErrors.unknownPath(request.segments.join('/'));
  }

  const node = context.state.node(request.method, id, request.token);
  const notFound = () => GraphErrors.unknownObject(request.method, id);
  switch (node.kind) {
    case 'waba':
      return { body: wabaRoute(context, request, node.waba, edge) };
    case 'phone':
      return { body: await phoneRoute(context, request, node.phone, edge) };
    case 'template':
      if (edge) {
        throw GraphErrors.unknownPath(request.segments.join('/'));
      }
      if (request.method === 'GET') {
        return {
          body: selectFields(
            templateFields(node.template),
            TEMPLATE_DEFAULT_FIELDS,
            request.query.get('fields'),
            'WhatsAppBusinessHSM',
          ),
        };
      }
      if (request.method === 'POST') {
        return { body: editTemplate(context, node.template, request.body) };
      }
      throw notFound();
    case 'media':
      if (edge) {
        throw GraphErrors.unknownPath(request.segments.join('/'));
      }
      return { body: handleMediaNode(context, request, node.media) };
  }
}

function selfUrl(context: SandboxContext, request: GraphRequest): string {
  return `${context.baseUrl()}/${request.version ?? context.apiVersion}/${request.segments.join('/')}?${request.query.toString()}`;
}

function wabaRoute(
  context: SandboxContext,
  request: GraphRequest,
  waba: WabaRecord,
  edge: string | undefined,
): unknown {
  const { method, query } = request;
  const notFound = () => GraphErrors.unknownObject(method, waba.id);
  switch (edge) {
    case undefined:
      if (method !== 'GET') {
        throw notFound();
      }
      return selectFields(wabaFields(waba), WABA_DEFAULT_FIELDS, query.get('fields'), 'WhatsAppBusinessAccount');
    case 'phone_numbers': {
      if (method !== 'GET') {
        throw notFound();
      }
      const phones = context.state.phonesOf(waba.id);
      if (query.get('sort')?.includes('last_onboarded_time_ascending')) {
        phones.reverse();
      }
      // Meta's spec makes `status` a required field of every listed number.
      const fields = query.get('fields');
      return page(phones, query, selfUrl(context, request), (phone) =>
        selectFields(
          phoneFields(phone, context.callbackFor(waba.id)),
          [...PHONE_DEFAULT_FIELDS, 'status'],
          fields === null ? null : `${fields},status`,
          'WhatsAppBusinessPhoneNumber',
        ),
      );
    }
    case 'subscribed_apps':
      return subscribedApps(context, request, waba);
    case 'message_templates': {
      if (method === 'POST') {
        return createTemplate(context, waba.id, request.body);
      }
      if (method === 'DELETE') {
        return deleteTemplates(context, waba.id, query);
      }
      const name = query.get('name');
      const status = query.get('status')?.toUpperCase();
      const templates = context.state
        .templatesOf(waba.id)
        .filter((template) => (!name || template.name === name) && (!status || template.status === status));
      return page(templates, query, selfUrl(context, request), (template) =>
        selectFields(templateFields(template), TEMPLATE_DEFAULT_FIELDS, query.get('fields'), 'WhatsAppBusinessHSM'),
      );
    }
    default:
      throw GraphErrors.unknownPath(`${waba.id}/${edge}`);
  }
}

function subscribedApps(context: SandboxContext, request: GraphRequest, waba: WabaRecord): unknown {
  switch (request.method) {
    case 'POST': {
      const uri = request.body.override_callback_uri;
      if (uri !== undefined) {
        if (typeof uri !== 'string' || uri.length > 200 || !/^https?:\/\//.test(uri)) {
          throw GraphErrors.invalidParameter(
            'Param override_callback_uri must be an http(s) URL of at most 200 characters.',
          );
        }
        if (typeof request.body.verify_token !== 'string') {
          throw GraphErrors.missingParameter('The parameter verify_token is required with override_callback_uri.');
        }
      }
      waba.subscribed = true;
      waba.overrideCallbackUri = uri as string | undefined;
      return { success: true };
    }
    case 'DELETE':
      waba.subscribed = false;
      waba.overrideCallbackUri = undefined;
      return { success: true };
    default:
      return {
        data: waba.subscribed
          ? [
              {
                whatsapp_business_api_data: { id: '1', name: 'OpenWABA', link: 'https://openwaba.dev' },
                ...(waba.overrideCallbackUri !== undefined && { override_callback_uri: waba.overrideCallbackUri }),
              },
            ]
          : [],
      };
  }
}

async function phoneRoute(
  context: SandboxContext,
  request: GraphRequest,
  phone: PhoneRecord,
  edge: string | undefined,
): Promise<unknown> {
  const { method, body } = request;
  const notFound = () => GraphErrors.unknownObject(method, phone.id);
  switch (edge) {
    case undefined:
      if (method === 'GET') {
        return selectFields(
          phoneFields(phone, context.callbackFor(phone.wabaId)),
          PHONE_DEFAULT_FIELDS,
          request.query.get('fields'),
          'WhatsAppBusinessPhoneNumber',
        );
      }
      if (method !== 'POST') {
        throw notFound();
      }
      return updatePhone(phone, body);
    case 'messages':
      if (method !== 'POST') {
        throw notFound();
      }
      try {
        return handleMessages(context, phone, body);
      } catch (error) {
        if (error instanceof GraphError && body.status === undefined) {
          context.refused.push({ phoneNumberId: phone.id, code: error.code, body, receivedAt: new Date() });
        }
        throw error;
      }
    case 'media':
      if (method !== 'POST') {
        throw notFound();
      }
      return handleMediaUpload(context, request, phone);
    case 'register': {
      if (method !== 'POST') {
        throw notFound();
      }
      if (body.messaging_product !== 'whatsapp') {
        throw GraphErrors.invalidParameter("Param messaging_product must be 'whatsapp'.");
      }
      const pin = String(body.pin ?? '');
      if (!PIN.test(pin)) {
        throw GraphErrors.invalidParameter('Param pin must be 6 digits.');
      }
      if (phone.pin !== undefined && phone.pin !== pin) {
        throw GraphErrors.pinMismatch();
      }
      phone.pin = pin;
      phone.registered = true;
      phone.status = 'CONNECTED';
      return { success: true };
    }
    case 'deregister':
      if (method !== 'POST') {
        throw notFound();
      }
      phone.registered = false;
      phone.status = 'DISCONNECTED';
      return { success: true };
    default:
      throw GraphErrors.unknownPath(`${phone.id}/${edge}`);
  }
}

function updatePhone(phone: PhoneRecord, body: Record<string, unknown>): unknown {
  if (body.pin !== undefined) {
    if (!PIN.test(String(body.pin))) {
      throw GraphErrors.invalidParameter('Param pin must be 6 digits.');
    }
    phone.pin = String(body.pin);
  }
  const configuration = body.webhook_configuration as Record<string, unknown> | undefined;
  if (configuration !== undefined) {
    const uri = configuration.override_callback_uri;
    if (uri !== undefined && uri !== '' && (typeof uri !== 'string' || !/^https?:\/\//.test(uri))) {
      throw GraphErrors.invalidParameter('Param override_callback_uri must be an http(s) URL.');
    }
    phone.overrideCallbackUri = uri ? (uri as string) : undefined;
  }
  if (body.pin === undefined && configuration === undefined) {
    throw GraphErrors.missingParameter('Give pin or webhook_configuration.');
  }
  return { success: true };
}

function exchangeCode(context: SandboxContext, query: URLSearchParams): unknown {
  const code = query.get('code');
  if (!query.get('client_id')) {
    throw GraphErrors.missingParameter('The parameter client_id is required.');
  }
  if (query.get('client_secret') !== context.appSecret) {
    throw GraphErrors.clientSecretInvalid();
  }
  const accessToken = code ? context.state.signupCodes.get(code) : undefined;
  if (!code || accessToken === undefined) {
    throw GraphErrors.invalidParameter('This authorization code has been used or has expired.', 36007);
  }
  context.state.signupCodes.delete(code);
  return { access_token: accessToken, token_type: 'bearer' };
}
