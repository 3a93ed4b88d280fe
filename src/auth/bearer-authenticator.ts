import { Injectable } from '@nestjs/common';
import { Authenticator } from 'passport';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import { ApiKeysService } from './api-keys/api-keys.service';
import { AuthErrors } from './auth-errors';
import { PersonalAccessTokensService } from './personal-access-tokens/personal-access-tokens.service';
import { Principal } from './principal';

export type BearerKind = 'api-key' | 'pat';

/**
 * passport-http-bearer strategies on an Authenticator of this application's own: passport's default
 * instance is process-global, and two applications in one process (replicas in tests) would resolve
 * tokens through whichever registered last.
 */
@Injectable()
export class BearerAuthenticator {
  private readonly passport = new Authenticator();

  constructor(apiKeys: ApiKeysService, tokens: PersonalAccessTokensService) {
    const verifyWith =
      (authenticate: (token: string) => Promise<Principal>) =>
      (token: string, done: (error: unknown, principal?: Principal) => void) => {
        authenticate(token).then(
          (principal) => done(null, principal),
          (error: unknown) => done(error),
        );
      };
    this.passport.use('api-key', new BearerStrategy(verifyWith((token) => apiKeys.authenticate(token))));
    this.passport.use('pat', new BearerStrategy(verifyWith((token) => tokens.authenticate(token))));
  }

  /** Runs the strategy over the request's `Authorization: Bearer` header. */
  authenticate(kind: BearerKind, request: object): Promise<Principal> {
    return new Promise((resolve, reject) => {
      const callback = (error: unknown, principal: Principal | false) => {
        if (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        } else if (!principal) {
          reject(AuthErrors.missing());
        } else {
          resolve(principal);
        }
      };
      const middleware = this.passport.authenticate(kind, { session: false }, callback) as (
        req: object,
        res: object,
        next: (error?: unknown) => void,
      ) => void;
      middleware(request, {}, (error) => reject(error instanceof Error ? error : new Error(String(error))));
    });
  }
}
