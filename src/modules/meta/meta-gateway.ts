import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { MetaGraphClient } from '@libs/meta-graph';
import { AppException } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { SecretBox } from '../../common/crypto/secret-box';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { SECRET_BOX } from './meta.constants';
import { SandboxHost } from './sandbox-host';

/**
 * The Graph API clients: live mode talks to META_GRAPH_URL (Meta), test mode to the built-in sandbox.
 * Code that calls Meta asks for the client of its row's mode and never knows which one it got.
 */
const MAX_OPENED_TOKENS = 10_000;

@Injectable()
export class MetaGateway implements OnApplicationShutdown {
  private readonly live: MetaGraphClient;
  private readonly openedTokens = new Map<string, string>();
  private sandboxClient?: Promise<MetaGraphClient>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(SECRET_BOX) private readonly secrets: SecretBox,
    private readonly sandbox: SandboxHost,
  ) {
    this.live = new MetaGraphClient({
      baseUrl: config.meta.graphUrl,
      apiVersion: config.meta.apiVersion,
      timeoutMs: config.meta.timeoutMs,
      connections: config.meta.connections,
    });
  }

  async graph(livemode: boolean): Promise<MetaGraphClient> {
    if (livemode) {
      return this.live;
    }
    if (!this.sandbox.enabled) {
      throw new AppException(
        ErrorCode.ServiceUnavailable,
        'Test mode is disabled on this server (SANDBOX_ENABLED=false)',
      );
    }
    this.sandboxClient ??= this.sandbox.get().then(
      (sandbox) =>
        new MetaGraphClient({
          baseUrl: sandbox.url,
          apiVersion: this.config.meta.apiVersion,
          timeoutMs: this.config.meta.timeoutMs,
          connections: this.config.meta.connections,
        }),
    );
    return this.sandboxClient;
  }

  sealToken(accessToken: string): string {
    return this.secrets.seal(accessToken);
  }

  /** Decrypted once per sealed token and process: every send to Meta needs its WABA's token. */
  openToken(sealed: string): string {
    let token = this.openedTokens.get(sealed);
    if (token === undefined) {
      if (this.openedTokens.size >= MAX_OPENED_TOKENS) {
        this.openedTokens.clear();
      }
      token = this.secrets.open(sealed);
      this.openedTokens.set(sealed, token);
    }
    return token;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.live.close();
    if (this.sandboxClient) {
      await (await this.sandboxClient).close();
    }
  }
}
