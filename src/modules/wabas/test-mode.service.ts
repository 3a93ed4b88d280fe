import { forwardRef, Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes, randomInt } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { newId } from '../../common/ids';
import { MetaGateway } from '../meta/meta-gateway';
import { SandboxHost } from '../meta/sandbox-host';
import { OrganizationHooks } from '../organizations/organization-hooks';
import { PhoneNumbersService } from '../phone-numbers/phone-numbers.service';
import { Waba } from './waba.entity';
import type { WabaCredentials } from './wabas.service';

const digits = (count: number) => Array.from({ length: count }, () => randomInt(10)).join('');

/**
 * Test mode: every organization gets, inside its creation transaction, a sandbox WABA with one
 * registered, healthy phone number, seen only by owb_test_ keys. Rows live in our database; the
 * in-memory sandbox learns them on first use in each process (`ensureProvisioned`).
 */
@Injectable()
export class TestModeService implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(TestModeService.name);
  private readonly provisioned = new Map<string, Promise<void>>();

  constructor(
    private readonly hooks: OrganizationHooks,
    private readonly gateway: MetaGateway,
    private readonly sandboxHost: SandboxHost,
    @Inject(forwardRef(() => PhoneNumbersService)) private readonly phoneNumbers: PhoneNumbersService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  onModuleInit(): void {
    this.hooks.onCreated((manager, organization) => this.createSandboxAccount(manager, organization.id));
  }

  /** Organizations created before test mode existed get their sandbox account now (idempotent across replicas). */
  async onApplicationBootstrap(): Promise<void> {
    const missing: { id: string }[] = await this.dataSource.query(
      `SELECT o.id FROM organizations o
        WHERE NOT EXISTS (SELECT 1 FROM wabas w WHERE w.organization_id = o.id AND w.is_sandbox)`,
    );
    for (const { id } of missing) {
      await this.dataSource
        .transaction((manager) => this.createSandboxAccount(manager, id))
        .catch((error: unknown) => this.logger.warn(`Sandbox account for ${id} not created: ${String(error)}`));
    }
  }

  async createSandboxAccount(manager: EntityManager, organizationId: string): Promise<void> {
    const now = new Date();
    const waba = manager.create(Waba, {
      id: newId(),
      organizationId,
      livemode: false,
      isSandbox: true,
      metaWabaId: `1${digits(14)}`,
      name: 'OpenWABA Sandbox',
      accessTokenSealed: this.gateway.sealToken(`sandbox_${randomBytes(24).toString('base64url')}`),
      currency: 'USD',
      timezoneId: '1',
      messageTemplateNamespace: randomBytes(8).toString('hex'),
      accountReviewStatus: 'APPROVED',
      connectedAt: now,
      disconnectedAt: null,
    });
    await manager.insert(Waba, waba);
    await this.phoneNumbers.createSandboxPhone(manager, waba, {
      metaPhoneNumberId: `1${digits(14)}`,
      displayPhoneNumber: `+1 555-${digits(3)}-${digits(4)}`,
    });
  }

  /** Makes the in-process sandbox know this test-mode WABA and its phones, once per process. */
  ensureProvisioned(waba: WabaCredentials): Promise<void> {
    if (!waba.isSandbox) {
      return Promise.resolve();
    }
    let done = this.provisioned.get(waba.metaWabaId);
    if (!done) {
      done = this.provision(waba).catch((error: unknown) => {
        this.provisioned.delete(waba.metaWabaId);
        throw error;
      });
      this.provisioned.set(waba.metaWabaId, done);
    }
    return done;
  }

  private async provision(waba: WabaCredentials): Promise<void> {
    const sandbox = await this.sandboxHost.get();
    sandbox.createWaba({
      wabaId: waba.metaWabaId,
      name: waba.name ?? 'OpenWABA Sandbox',
      accessToken: this.gateway.openToken(waba.accessTokenSealed),
    });
    for (const phone of await this.phoneNumbers.listForWaba(waba.id)) {
      sandbox.createPhoneNumber(waba.metaWabaId, {
        phoneNumberId: phone.metaPhoneNumberId,
        displayPhoneNumber: phone.displayPhoneNumber,
        verifiedName: phone.verifiedName ?? 'OpenWABA Sandbox',
        registered: phone.metaStatus === 'CONNECTED',
        qualityRating: (phone.qualityRating as 'GREEN' | undefined) ?? 'GREEN',
        throughputLevel: (phone.throughputLevel as 'STANDARD' | undefined) ?? 'STANDARD',
        status: phone.metaStatus ?? 'CONNECTED',
        codeVerificationStatus: phone.codeVerificationStatus ?? 'VERIFIED',
        nameStatus: phone.nameStatus ?? 'APPROVED',
        messagingLimitTier: phone.messagingLimitTier ?? 'TIER_250',
      });
    }
  }
}
