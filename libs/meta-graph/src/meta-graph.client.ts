import { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { MetaApiError } from './meta-api-error';
import { MultipartBody, multipartBody } from './multipart';
import type {
  CreateTemplateInput,
  EditTemplateInput,
  GraphPage,
  MediaFile,
  MediaFileStream,
  MediaInfo,
  OutboundMessage,
  PhoneNumberInfo,
  SendMessageResult,
  SubscribedApp,
  TemplateInfo,
  TemplateQuery,
  WabaInfo,
} from './types';

export interface MetaGraphClientOptions {
  /** e.g. `https://graph.facebook.com` (or a simulator). */
  baseUrl: string;
  /** e.g. `v23.0`. */
  apiVersion: string;
  /**
   * Deadline for each phase of a call: connecting, the response headers, and each wait for more of
   * the body (a download that keeps flowing is not cut off). Default 15 s.
   */
  timeoutMs?: number;
  /** Max sockets per origin. Default unlimited. */
  connections?: number;
  userAgent?: string;
}

export const WABA_FIELDS = [
  'id',
  'name',
  'currency',
  'timezone_id',
  'message_template_namespace',
  'account_review_status',
  'business_verification_status',
];

export const PHONE_NUMBER_FIELDS = [
  'id',
  'display_phone_number',
  'verified_name',
  'quality_rating',
  'code_verification_status',
  'name_status',
  'status',
  'platform_type',
  'throughput',
  'messaging_limit_tier',
  'whatsapp_business_manager_messaging_limit',
  'account_mode',
  'last_onboarded_time',
  'is_official_business_account',
];

export const TEMPLATE_FIELDS = [
  'id',
  'name',
  'language',
  'status',
  'category',
  'components',
  'parameter_format',
  'sub_category',
  'rejected_reason',
  'quality_score',
];

const PAGE_SIZE = 100;

type Method = 'GET' | 'POST' | 'DELETE';
type Query = Record<string, string | number | undefined>;

interface SendOptions {
  /** Omitted only for the OAuth code exchange. */
  token?: string;
  json?: unknown;
  multipart?: MultipartBody;
  signal?: AbortSignal;
}

interface CallOptions extends SendOptions {
  query?: Query;
}

interface RawResponse {
  status: number;
  contentType: string;
  bytes: Buffer;
}

/** Typed client for the WhatsApp Cloud API. Every call takes the access token first, so one client serves all tenants. */
export class MetaGraphClient {
  private readonly agent: Agent;
  private readonly root: string;
  private readonly timeoutMs: number;
  private readonly userAgent: string;

  constructor(options: MetaGraphClientOptions) {
    this.root = `${options.baseUrl.replace(/\/+$/, '')}/${options.apiVersion}`;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.userAgent = options.userAgent ?? 'meta-graph-client';
    this.agent = new Agent({
      connections: options.connections ?? null,
      keepAliveTimeout: 30_000,
      connect: { timeout: this.timeoutMs },
    });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  // --- WABA -------------------------------------------------------------------------------------

  getWaba(token: string, wabaId: string): Promise<WabaInfo> {
    return this.call('GET', node(wabaId), { token, query: { fields: WABA_FIELDS.join(',') } });
  }

  /** With `override`, Meta sends this WABA's webhooks to that callback (verified with the token first). */
  async subscribeApp(
    token: string,
    wabaId: string,
    override?: { overrideCallbackUri: string; verifyToken: string },
  ): Promise<void> {
    const json = override && {
      override_callback_uri: override.overrideCallbackUri,
      verify_token: override.verifyToken,
    };
    await this.call('POST', node(wabaId, 'subscribed_apps'), { token, json });
  }

  async unsubscribeApp(token: string, wabaId: string): Promise<void> {
    await this.call('DELETE', node(wabaId, 'subscribed_apps'), { token });
  }

  async listSubscribedApps(token: string, wabaId: string): Promise<SubscribedApp[]> {
    const page = await this.call<GraphPage<SubscribedApp>>('GET', node(wabaId, 'subscribed_apps'), { token });
    return page.data ?? [];
  }

  // --- Phone numbers ----------------------------------------------------------------------------

  /** Every phone number of the WABA, reading all pages. */
  async listPhoneNumbers(token: string, wabaId: string): Promise<PhoneNumberInfo[]> {
    const all: PhoneNumberInfo[] = [];
    const seen = new Set<string>();
    let after: string | undefined;
    do {
      const query = { fields: PHONE_NUMBER_FIELDS.join(','), limit: PAGE_SIZE, after };
      const page = await this.call<GraphPage<PhoneNumberInfo>>('GET', node(wabaId, 'phone_numbers'), { token, query });
      all.push(...(page.data ?? []));
      after = page.paging?.next ? page.paging.cursors?.after : undefined;
      if (after !== undefined && seen.has(after)) {
        break; // a cursor that repeats would loop forever
      }
      if (after !== undefined) {
        seen.add(after);
      }
    } while (after !== undefined);
    return all;
  }

  getPhoneNumber(token: string, phoneNumberId: string): Promise<PhoneNumberInfo> {
    return this.call('GET', node(phoneNumberId), { token, query: { fields: PHONE_NUMBER_FIELDS.join(',') } });
  }

  /** The PIN becomes the two-step PIN when none is set; otherwise it must match it (133005). */
  async registerPhoneNumber(
    token: string,
    phoneNumberId: string,
    pin: string,
    dataLocalizationRegion?: string,
  ): Promise<void> {
    const json = { messaging_product: 'whatsapp', pin, data_localization_region: dataLocalizationRegion };
    await this.call('POST', node(phoneNumberId, 'register'), { token, json });
  }

  async deregisterPhoneNumber(token: string, phoneNumberId: string): Promise<void> {
    await this.call('POST', node(phoneNumberId, 'deregister'), { token });
  }

  // --- Messages ---------------------------------------------------------------------------------

  /** A success only means Meta accepted the message; delivery arrives in status webhooks. */
  sendMessage(token: string, phoneNumberId: string, message: OutboundMessage): Promise<SendMessageResult> {
    return this.call('POST', node(phoneNumberId, 'messages'), {
      token,
      json: toGraphMessage(message),
    });
  }

  /** Also marks earlier messages of the thread read. A typing indicator shows for up to 25 s or until the reply. */
  async markRead(
    token: string,
    phoneNumberId: string,
    messageId: string,
    options: { typingIndicator?: boolean } = {},
  ): Promise<void> {
    const json = {
      messaging_product: 'whatsapp',
      status: 'read',
      message_id: messageId,
      ...(options.typingIndicator && { typing_indicator: { type: 'text' } }),
    };
    await this.call('POST', node(phoneNumberId, 'messages'), { token, json });
  }

  // --- Media ------------------------------------------------------------------------------------

  /**
   * Multipart, as Meta documents it. A `MediaFileStream` is read while it is sent, so a 100 MB file
   * does not need 100 MB of memory; if its stream fails, the call rejects with the stream's error.
   * `signal` bounds the whole call (the phase deadlines do not cover a body Meta stops reading).
   */
  uploadMedia(
    token: string,
    phoneNumberId: string,
    file: MediaFile | MediaFileStream,
    options: { signal?: AbortSignal } = {},
  ): Promise<{ id: string }> {
    const multipart = multipartBody(
      { messaging_product: 'whatsapp', type: file.mimeType },
      {
        name: 'file',
        filename: file.filename ?? 'file',
        contentType: file.mimeType,
        ...('stream' in file
          ? { stream: file.stream, size: file.size }
          : { stream: [file.bytes], size: file.bytes.length }),
      },
    );
    return this.call('POST', node(phoneNumberId, 'media'), { token, multipart, signal: options.signal });
  }

  /** With `phoneNumberId`, Meta fails the call unless the media belongs to that number. The URL lives 5 minutes. */
  getMedia(token: string, mediaId: string, phoneNumberId?: string): Promise<MediaInfo> {
    return this.call('GET', node(mediaId), { token, query: { phone_number_id: phoneNumberId } });
  }

  /** Downloads from the absolute URL returned by getMedia (it needs the bearer token too). */
  async downloadMedia(token: string, url: string): Promise<{ bytes: Buffer; mimeType: string }> {
    const response = await this.send('GET', url, { token });
    if (response.status >= 300) {
      throw errorFrom(response);
    }
    return { bytes: response.bytes, mimeType: response.contentType || 'application/octet-stream' };
  }

  async deleteMedia(token: string, mediaId: string, phoneNumberId?: string): Promise<void> {
    await this.call('DELETE', node(mediaId), { token, query: { phone_number_id: phoneNumberId } });
  }

  // --- Templates --------------------------------------------------------------------------------

  /** One page; `after` is set when Meta has another page. */
  async listTemplates(
    token: string,
    wabaId: string,
    query: TemplateQuery = {},
  ): Promise<{ data: TemplateInfo[]; after?: string }> {
    const page = await this.call<GraphPage<TemplateInfo>>('GET', node(wabaId, 'message_templates'), {
      token,
      query: { fields: TEMPLATE_FIELDS.join(','), ...query },
    });
    const after = page.paging?.next ? page.paging.cursors?.after : undefined;
    return { data: page.data ?? [], ...(after !== undefined && { after }) };
  }

  getTemplate(token: string, templateId: string): Promise<TemplateInfo> {
    return this.call('GET', node(templateId), { token, query: { fields: TEMPLATE_FIELDS.join(',') } });
  }

  createTemplate(
    token: string,
    wabaId: string,
    input: CreateTemplateInput,
  ): Promise<{ id: string; status: string; category: string }> {
    return this.call('POST', node(wabaId, 'message_templates'), { token, json: input });
  }

  /** Only APPROVED, REJECTED or PAUSED templates can be edited; components are replaced as a whole. */
  async editTemplate(token: string, templateId: string, input: EditTemplateInput): Promise<void> {
    await this.call('POST', node(templateId), { token, json: input });
  }

  /** Without `hsmId` this deletes the template in every language. */
  async deleteTemplate(token: string, wabaId: string, target: { name: string; hsmId?: string }): Promise<void> {
    await this.call('DELETE', node(wabaId, 'message_templates'), {
      token,
      query: { name: target.name, hsm_id: target.hsmId },
    });
  }

  // --- Embedded Signup --------------------------------------------------------------------------

  /** Exchanges an Embedded Signup code (30 s TTL) for the customer's business token. */
  async exchangeCode(appId: string, appSecret: string, code: string): Promise<{ accessToken: string }> {
    const url = this.url(['oauth', 'access_token'], { client_id: appId, client_secret: appSecret, code });
    const response = await this.send('GET', url, {});
    if (response.status >= 300) {
      throw errorFrom(response);
    }
    // Graph OAuth answers `{ access_token, token_type }`; Meta's signup docs show the bare token.
    const text = response.bytes.toString('utf8').trim();
    const parsed = parseJson(text);
    const token =
      typeof parsed === 'object' && parsed !== null && 'access_token' in parsed
        ? parsed.access_token
        : (parsed ?? text);
    if (typeof token !== 'string' || !token) {
      throw new MetaApiError({
        kind: 'http',
        httpStatus: response.status,
        message: 'The code exchange returned no token',
      });
    }
    return { accessToken: token };
  }

  // --- Plumbing ---------------------------------------------------------------------------------

  private async call<T>(method: Method, path: string[], options: CallOptions): Promise<T> {
    const response = await this.send(method, this.url(path, options.query), options);
    if (response.status >= 300) {
      throw errorFrom(response);
    }
    const text = response.bytes.toString('utf8');
    const body = text.trim() === '' ? {} : parseJson(text);
    if (body === undefined) {
      throw new MetaApiError({
        kind: 'http',
        httpStatus: response.status,
        retry: 'never',
        message: `Graph API answered HTTP ${response.status} with a body that is not JSON`,
      });
    }
    return body as T;
  }

  private async send(method: Method, url: string, options: SendOptions): Promise<RawResponse> {
    const headers: Record<string, string> = { 'user-agent': this.userAgent, accept: 'application/json' };
    if (options.token !== undefined) {
      headers.authorization = `Bearer ${options.token}`;
    }
    let body: string | Readable | undefined;
    if (options.multipart) {
      headers['content-type'] = options.multipart.contentType;
      headers['content-length'] = String(options.multipart.length);
      body = Readable.from(options.multipart.body, { objectMode: false });
    } else if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    try {
      const response = await request(url, {
        method,
        headers,
        body,
        dispatcher: this.agent,
        signal: options.signal,
        // Per phase, with no AbortSignal: one per call (AbortSignal.timeout) cost about 300 µs of CPU
        // a send on a 2-vCPU machine, more than the rest of the request.
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      const bytes = Buffer.from(await response.body.arrayBuffer());
      const contentType = response.headers['content-type'];
      return {
        status: response.statusCode,
        contentType: (Array.isArray(contentType) ? contentType[0] : contentType) ?? '',
        bytes,
      };
    } catch (error) {
      if (options.signal?.aborted) {
        throw new MetaApiError({
          kind: 'timeout',
          retry: 'later',
          message: `Graph API call abandoned: ${String(options.signal.reason)}`,
          cause: error,
        });
      }
      throw options.multipart?.sourceError() ?? networkError(error, this.timeoutMs);
    }
  }

  private url(path: string[], query: Query = {}): string {
    const url = new URL(`${this.root}/${path.map(encodeURIComponent).join('/')}`);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) {
        url.searchParams.set(key, String(value));
      }
    }
    return url.toString();
  }
}

function node(id: string, edge?: string): string[] {
  return edge ? [id, edge] : [id];
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function errorFrom(response: RawResponse): MetaApiError {
  const text = response.bytes.toString('utf8');
  return MetaApiError.fromGraphBody(response.status, parseJson(text) ?? text);
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT',
]);

/** Anything thrown while talking to the server: the request may or may not have reached Meta. */
function networkError(error: unknown, timeoutMs: number): MetaApiError {
  if (error instanceof MetaApiError) {
    return error;
  }
  const { name, code, message } = (error ?? {}) as { name?: string; code?: string; message?: string };
  if (name === 'TimeoutError' || (code !== undefined && TIMEOUT_CODES.has(code))) {
    return new MetaApiError({
      kind: 'timeout',
      retry: 'later',
      message: `Graph API call timed out after ${timeoutMs} ms`,
      cause: error,
    });
  }
  return new MetaApiError({
    kind: 'network',
    retry: 'later',
    message: `Graph API unreachable: ${code ?? name ?? 'error'}${message ? ` (${message})` : ''}`,
    cause: error,
  });
}

/**
 * The body Meta's OpenAPI describes: `recipient_type` always present, coordinates as strings and a
 * template language `policy` (Meta's only value is `deterministic`).
 */
function toGraphMessage(message: OutboundMessage): Record<string, unknown> {
  const body: Record<string, unknown> = { messaging_product: 'whatsapp', recipient_type: 'individual', ...message };
  if (message.type === 'location') {
    const { latitude, longitude } = message.location;
    body.location = { ...message.location, latitude: String(latitude), longitude: String(longitude) };
  }
  if (message.type === 'template') {
    body.template = { ...message.template, language: { policy: 'deterministic', ...message.template.language } };
  }
  return body;
}
