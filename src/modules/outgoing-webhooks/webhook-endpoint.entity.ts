import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A customer URL that receives the organization's events, signed with its own secret. */
@Entity('webhook_endpoints')
export class WebhookEndpoint {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid') organizationId!: string;
  @Column('boolean') livemode!: boolean;
  @Column('varchar', { length: 2048 }) url!: string;
  @Column('varchar', { length: 500, nullable: true }) description!: string | null;
  /** Event types or wildcards such as `message.*`; `*` is every event. */
  @Column('text', { array: true }) eventTypes!: string[];
  @Column('uuid', { nullable: true }) phoneNumberId!: string | null;
  @Column('boolean') enabled!: boolean;
  /** Why we disabled it: `gone` (410) or `failing` (5 days of failures); null when a user did. */
  @Column('varchar', { length: 64, nullable: true }) disabledReason!: string | null;
  @Column('text') secretSealed!: string;
  /** The secret before the last rotation, still signing until `previousSecretExpiresAt`. */
  @Column('text', { nullable: true }) previousSecretSealed!: string | null;
  @Column('timestamptz', { nullable: true }) previousSecretExpiresAt!: Date | null;
  /** Since when every delivery has failed; cleared by a success. */
  @Column('timestamptz', { nullable: true }) failingSince!: Date | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;
}

/** Does `type` match one of the subscribed patterns (`*`, `message.*`, `message.sent`)? */
export function subscribes(eventTypes: string[], type: string): boolean {
  return eventTypes.some(
    (pattern) =>
      pattern === '*' || pattern === type || (pattern.endsWith('.*') && type.startsWith(pattern.slice(0, -1))),
  );
}
