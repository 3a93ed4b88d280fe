import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SandboxContext } from './context';
import { GraphError, GraphErrors } from './graph/graph-error';
import { graphHeaders, readGraphRequest, sendGraphError, sendJson } from './graph/http';
import { route } from './graph/routes';
import { simulateInbound } from './inbound/simulate-inbound';
import { RateLimits } from './messages/rate-limits';
import type { PhoneRecord, TemplateStatus } from './state/records';
import { SandboxState } from './state/sandbox-state';
import { setTemplateStatus } from './templates/template-management';
import type {
  InboundSimulation,
  MetaSandbox,
  PhoneNumberInput,
  PhoneNumberPatch,
  SandboxOptions,
  WabaInput,
} from './types';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher';

const DEFAULT_API_VERSION = 'v25.0';

/** Starts a Graph API sandbox on an HTTP port; see `MetaSandbox` for what tests can script. */
export async function createMetaSandbox(options: SandboxOptions): Promise<MetaSandbox> {
  const sandbox = new GraphSandbox(options);
  await sandbox.listen(options.host ?? '127.0.0.1', options.port ?? 0);
  return sandbox;
}

class GraphSandbox implements MetaSandbox {
  private readonly server: Server;
  private readonly context: SandboxContext;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly tasks = new Set<Promise<unknown>>();
  private webhookUrl?: string;
  private address = '';
  private closed = false;

  constructor(options: SandboxOptions) {
    this.webhookUrl = options.webhookUrl;
    const state = new SandboxState();
    this.context = {
      state,
      limits: new RateLimits(options.clock),
      webhooks: new WebhookDispatcher(
        options.appSecret,
        options.webhookRetry ?? { attempts: 5, backoffMs: 500 },
        options.webhookBatching,
      ),
      statusDelaysMs: options.statusDelaysMs ?? { sent: 0, delivered: 100, read: 200 },
      templateReviewDelayMs: options.templateReviewDelayMs ?? 1000,
      appSecret: options.appSecret,
      apiVersion: options.apiVersion ?? DEFAULT_API_VERSION,
      enforceServiceWindow: options.enforceServiceWindow ?? true,
      sent: [],
      refused: [],
      reads: [],
      uploads: [],
      baseUrl: () => this.url,
      callbackFor: (wabaId: string, phone?: PhoneRecord) =>
        phone?.overrideCallbackUri ?? state.wabas.get(wabaId)?.overrideCallbackUri ?? this.webhookUrl,
      later: (ms, task) => this.later(ms, task),
    };
    this.server = createServer((request, response) => void this.handle(request, response));
    this.server.keepAliveTimeout = 5000;
  }

  get url(): string {
    return this.address;
  }

  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        const { port: bound } = this.server.address() as AddressInfo;
        this.address = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.context.webhooks.close();
    for (const timer of this.timers) {
      clearTimeout(timer);
    }
    this.timers.clear();
    await Promise.allSettled([...this.tasks]);
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  setWebhookUrl(url: string): void {
    this.webhookUrl = url;
  }

  createWaba(input: WabaInput) {
    return this.context.state.upsertWaba(input);
  }

  createPhoneNumber(wabaId: string, input: PhoneNumberInput) {
    return this.context.state.upsertPhone(wabaId, input);
  }

  updatePhoneNumber(phoneNumberId: string, patch: PhoneNumberPatch): void {
    this.context.state.patchPhone(phoneNumberId, patch);
  }

  registerSignupCode(code: string, accessToken: string): void {
    this.context.state.signupCodes.set(code, accessToken);
  }

  async setTemplateStatus(
    wabaId: string,
    name: string,
    language: string,
    status: TemplateStatus,
    reason: string | null = null,
  ) {
    const template = this.context.state.findTemplate(wabaId, name, language);
    if (!template) {
      throw new Error(`Sandbox template ${name}/${language} does not exist in WABA ${wabaId}`);
    }
    await setTemplateStatus(this.context, template, status, reason);
  }

  simulateInbound(input: InboundSimulation) {
    return this.track(simulateInbound(this.context, input));
  }

  sentMessages(phoneNumberId?: string) {
    return this.context.sent.filter((sent) => !phoneNumberId || sent.phoneNumberId === phoneNumberId);
  }

  mediaUploads(phoneNumberId?: string) {
    return this.context.uploads.filter((upload) => !phoneNumberId || upload.phoneNumberId === phoneNumberId);
  }

  /** Sends answered with an error (throughput, pair rate, magic recipients, invalid parameters). */
  refusedMessages(phoneNumberId?: string) {
    return this.context.refused.filter((refused) => !phoneNumberId || refused.phoneNumberId === phoneNumberId);
  }

  readReceipts(phoneNumberId?: string) {
    return this.context.reads.filter((read) => !phoneNumberId || read.phoneNumberId === phoneNumberId);
  }

  deliveredWebhooks() {
    return this.context.webhooks.delivered();
  }

  private later(ms: number, task: () => Promise<unknown> | void): void {
    if (this.closed) {
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.track(Promise.resolve().then(task));
    }, ms);
    this.timers.add(timer);
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    const settled = promise.catch(() => undefined);
    this.tasks.add(settled);
    void settled.finally(() => this.tasks.delete(settled));
    return promise;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const headers = graphHeaders(this.context.apiVersion);
    try {
      const graphRequest = await readGraphRequest(request);
      headers['facebook-api-version'] = graphRequest.version ?? this.context.apiVersion;
      const result = await route(this.context, graphRequest);
      if (result.bytes) {
        response.writeHead(200, {
          ...headers,
          'content-type': result.bytes.contentType,
          'content-length': result.bytes.data.length,
        });
        response.end(result.bytes.data);
      } else {
        sendJson(response, result.status ?? 200, result.body, headers);
      }
    } catch (error) {
      sendGraphError(response, error instanceof GraphError ? error : GraphErrors.internal(), headers);
    }
  }
}
