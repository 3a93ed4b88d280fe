import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Organization } from './organization.entity';

export type OrganizationCreatedHook = (manager: EntityManager, organization: Organization) => Promise<void>;

/**
 * Lets other modules add to an organization's creation, inside its transaction, without this
 * module knowing them (test mode gives every new organization its sandbox WABA this way).
 */
@Injectable()
export class OrganizationHooks {
  private readonly created: OrganizationCreatedHook[] = [];

  onCreated(hook: OrganizationCreatedHook): void {
    this.created.push(hook);
  }

  async runCreated(manager: EntityManager, organization: Organization): Promise<void> {
    for (const hook of this.created) {
      await hook(manager, organization);
    }
  }
}
