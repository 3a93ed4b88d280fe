import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { createMetaSandbox, MetaSandbox } from '@libs/meta-sandbox';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';

export const META_WEBHOOK_PATH = '/v1/webhooks/meta';

/**
 * The built-in Graph API sandbox behind test mode, started in this process on first use.
 * Its state is in memory: test-mode WABAs and phones are provisioned into it from our database
 * whenever they are used (see TestModeService), so any replica can serve any organization.
 */
@Injectable()
export class SandboxHost implements OnApplicationShutdown {
  private readonly logger = new Logger(SandboxHost.name);
  private sandbox?: Promise<MetaSandbox>;
  private webhookUrl: string;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.webhookUrl = `${config.publicUrl ?? `http://127.0.0.1:${config.http.port}`}${META_WEBHOOK_PATH}`;
  }

  get enabled(): boolean {
    return this.config.sandbox.enabled;
  }

  get(): Promise<MetaSandbox> {
    this.sandbox ??= createMetaSandbox({
      appSecret: this.config.meta.appSecret,
      webhookUrl: this.webhookUrl,
      statusDelaysMs: {
        sent: 0,
        delivered: this.config.sandbox.statusDelayMs,
        read: this.config.sandbox.statusDelayMs * 2,
      },
    }).then((sandbox) => {
      this.logger.log(`Test-mode Graph API sandbox listening on ${sandbox.url}`);
      return sandbox;
    });
    return this.sandbox;
  }

  /** Called once the HTTP server listens, when PUBLIC_URL did not say where that is. */
  async setWebhookBase(baseUrl: string): Promise<void> {
    this.webhookUrl = `${baseUrl}${META_WEBHOOK_PATH}`;
    if (this.sandbox) {
      (await this.sandbox).setWebhookUrl(this.webhookUrl);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.sandbox) {
      await (await this.sandbox).close();
    }
  }
}
