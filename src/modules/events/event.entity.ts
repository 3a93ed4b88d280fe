import { Column, Entity, PrimaryColumn } from 'typeorm';

export const EVENT_TYPES = [
  'message.queued',
  'message.sent',
  'message.delivered',
  'message.read',
  'message.failed',
  'message.cancelled',
  'message.received',
  'conversation.created',
  'contact.created',
  'contact.updated',
  'template.status_updated',
  'phone.health_changed',
  'waba.connected',
  'waba.disconnected',
  'waba.account_updated',
  'webhook_endpoint.disabled',
  'webhook.test',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Something that happened in an organization, for webhooks and for `GET /v1/events`. */
@Entity('events')
export class DomainEvent {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid') organizationId!: string;
  @Column('boolean') livemode!: boolean;
  @Column('varchar', { length: 64 }) type!: EventType;
  @Column('jsonb') data!: object;
  @Column('uuid', { nullable: true }) phoneNumberId!: string | null;
  @Column('uuid', { nullable: true }) messageId!: string | null;
  /** 1, 2, 3… across the events of one message, so receivers can order them. */
  @Column('integer', { nullable: true }) messageSequence!: number | null;
  @Column('timestamptz') createdAt!: Date;
}
