import { createHash } from 'node:crypto';
import { GraphErrors } from '../graph/graph-error';
import { HELLO_WORLD } from '../templates/hello-world';
import type { PhoneNumberInput, PhoneNumberPatch, SandboxPhoneNumber, SandboxWaba, WabaInput } from '../types';
import { digitsOf, IdGenerator } from './ids';
import type { GraphNode, MediaRecord, PhoneRecord, TemplateRecord, WabaRecord } from './records';

/** A customer as the sandbox knows them: by phone, by BSUID, or both. */
export interface CustomerRecord {
  waId?: string;
  userId: string;
  username?: string;
  profileName?: string;
}

/** Everything the sandbox holds, in memory. One instance per sandbox. */
export class SandboxState {
  readonly ids = new IdGenerator();
  readonly wabas = new Map<string, WabaRecord>();
  readonly phones = new Map<string, PhoneRecord>();
  readonly templates = new Map<string, TemplateRecord>();
  readonly media = new Map<string, MediaRecord>();
  readonly signupCodes = new Map<string, string>();
  /** Last inbound message time per `${phoneId}:${customer key}`: the customer service window. */
  readonly lastInboundAt = new Map<string, number>();
  /** Inbound wamids per phone, so mark-as-read and reactions can name a real message. */
  readonly inboundMessageIds = new Map<string, Set<string>>();
  /** Sends refused by a magic recipient's script, per `${phoneId}:${to}` pair. */
  readonly scriptedRefusals = new Map<string, number>();
  private readonly customersByWaId = new Map<string, CustomerRecord>();
  private readonly customersByUserId = new Map<string, CustomerRecord>();

  upsertWaba(input: WabaInput): SandboxWaba {
    const existing = input.wabaId ? this.wabas.get(input.wabaId) : undefined;
    if (existing) {
      existing.name = input.name;
      existing.accessTokens.add(input.accessToken);
      return { id: existing.id, name: existing.name, accessToken: input.accessToken };
    }
    const id = this.claimOrCreate(input.wabaId);
    this.wabas.set(id, {
      id,
      name: input.name,
      accessTokens: new Set([input.accessToken]),
      currency: 'USD',
      timezoneId: '1',
      templateNamespace: createHash('sha256').update(id).digest('hex').slice(0, 32),
      accountReviewStatus: 'APPROVED',
      subscribed: false,
    });
    this.addTemplate(id, { ...HELLO_WORLD, status: 'APPROVED' });
    return { id, name: input.name, accessToken: input.accessToken };
  }

  upsertPhone(wabaId: string, input: PhoneNumberInput): SandboxPhoneNumber {
    if (!this.wabas.has(wabaId)) {
      throw new Error(`Sandbox WABA ${wabaId} does not exist`);
    }
    const existing = input.phoneNumberId ? this.phones.get(input.phoneNumberId) : undefined;
    const registered = input.registered ?? existing?.registered ?? true;
    const record: PhoneRecord = {
      id: existing?.id ?? this.claimOrCreate(input.phoneNumberId),
      wabaId,
      displayPhoneNumber: input.displayPhoneNumber,
      verifiedName: input.verifiedName,
      registered,
      qualityRating: input.qualityRating ?? existing?.qualityRating ?? 'GREEN',
      throughputLevel: input.throughputLevel ?? existing?.throughputLevel ?? 'STANDARD',
      status: input.status ?? (registered ? 'CONNECTED' : 'PENDING'),
      codeVerificationStatus: input.codeVerificationStatus ?? 'VERIFIED',
      nameStatus: input.nameStatus ?? 'APPROVED',
      messagingLimitTier: input.messagingLimitTier ?? 'TIER_250',
      pin: existing?.pin,
      overrideCallbackUri: existing?.overrideCallbackUri,
      onboardedAt: existing?.onboardedAt ?? new Date(),
    };
    this.phones.set(record.id, record);
    return toSandboxPhone(record);
  }

  patchPhone(phoneNumberId: string, patch: PhoneNumberPatch): void {
    const phone = this.phones.get(phoneNumberId);
    if (!phone) {
      throw new Error(`Sandbox phone number ${phoneNumberId} does not exist`);
    }
    Object.assign(phone, Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)));
    if (patch.registered !== undefined && patch.status === undefined) {
      phone.status = patch.registered ? 'CONNECTED' : 'PENDING';
    }
  }

  addTemplate(
    wabaId: string,
    input: Omit<TemplateRecord, 'id' | 'wabaId' | 'parameterFormat' | 'rejectedReason'> &
      Partial<Pick<TemplateRecord, 'parameterFormat' | 'rejectedReason'>>,
  ): TemplateRecord {
    const record: TemplateRecord = {
      parameterFormat: 'POSITIONAL',
      rejectedReason: 'NONE',
      ...input,
      id: this.ids.newId(),
      wabaId,
    };
    this.templates.set(record.id, record);
    return record;
  }

  findTemplate(wabaId: string, name: string, language: string): TemplateRecord | undefined {
    for (const template of this.templates.values()) {
      if (template.wabaId === wabaId && template.name === name && template.language === language) {
        return template;
      }
    }
    return undefined;
  }

  templatesOf(wabaId: string): TemplateRecord[] {
    return [...this.templates.values()].filter((template) => template.wabaId === wabaId);
  }

  phonesOf(wabaId: string): PhoneRecord[] {
    return [...this.phones.values()]
      .filter((phone) => phone.wabaId === wabaId)
      .sort((a, b) => b.onboardedAt.getTime() - a.onboardedAt.getTime() || b.id.localeCompare(a.id));
  }

  /** Finds what a Graph path names; unknown ids and ids the token may not touch look the same, as at Meta. */
  node(method: string, id: string, token: string): GraphNode {
    const node = this.lookup(id);
    if (!node || !this.wabas.get(node.wabaId)?.accessTokens.has(token)) {
      throw GraphErrors.unknownObject(method, id);
    }
    return node;
  }

  isKnownToken(token: string): boolean {
    for (const waba of this.wabas.values()) {
      if (waba.accessTokens.has(token)) {
        return true;
      }
    }
    return false;
  }

  /** The customer behind a phone or BSUID; BSUIDs are stable per phone, as Meta's are per portfolio. */
  customer(by: { waId?: string; userId?: string }): CustomerRecord {
    const known =
      (by.userId ? this.customersByUserId.get(by.userId) : undefined) ??
      (by.waId ? this.customersByWaId.get(digitsOf(by.waId)) : undefined);
    const customer = known ?? { userId: by.userId ?? bsuidFor(by.waId ?? '') };
    if (by.waId && !customer.waId) {
      customer.waId = digitsOf(by.waId);
    }
    if (customer.waId) {
      this.customersByWaId.set(customer.waId, customer);
    }
    this.customersByUserId.set(customer.userId, customer);
    return customer;
  }

  private lookup(id: string): GraphNode | undefined {
    const waba = this.wabas.get(id);
    if (waba) {
      return { kind: 'waba', wabaId: waba.id, waba };
    }
    const phone = this.phones.get(id);
    if (phone) {
      return { kind: 'phone', wabaId: phone.wabaId, phone };
    }
    const template = this.templates.get(id);
    if (template) {
      return { kind: 'template', wabaId: template.wabaId, template };
    }
    const media = this.media.get(id);
    if (media) {
      return { kind: 'media', wabaId: media.wabaId, media };
    }
    return undefined;
  }

  private claimOrCreate(id?: string): string {
    if (id === undefined) {
      return this.ids.newId();
    }
    if (!/^\d{1,20}$/.test(id) || !this.ids.claim(id)) {
      throw new Error(`Sandbox id ${id} is not a free numeric id`);
    }
    return id;
  }
}

export function toSandboxPhone(record: PhoneRecord): SandboxPhoneNumber {
  const { pin: _pin, overrideCallbackUri: _uri, onboardedAt: _at, ...phone } = record;
  return phone;
}

/** A deterministic business-scoped user id for a phone, shaped like Meta's (`US.` + digits). */
export function bsuidFor(waId: string): string {
  const digest = createHash('sha256').update(`bsuid:${waId}`).digest();
  return `US.${digest.readBigUInt64BE(0).toString().padStart(20, '0')}`;
}
