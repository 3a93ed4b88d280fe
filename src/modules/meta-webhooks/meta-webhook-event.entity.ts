import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export const META_WEBHOOK_EVENT_STATUSES = ['received', 'processed', 'unroutable', 'failed'] as const;
export type MetaWebhookEventStatus = (typeof META_WEBHOOK_EVENT_STATUSES)[number];

/** One signature-verified POST from Meta, stored as received before it is acknowledged. */
@Entity('meta_webhook_events')
export class MetaWebhookEvent {
  @PrimaryColumn('uuid') id!: string;
  /** `object` of the payload, e.g. whatsapp_business_account. */
  @Column('varchar', { length: 64 }) object!: string;
  @Column('jsonb') payload!: object;
  @Column('varchar', { length: 16 }) status!: MetaWebhookEventStatus;
  @Column('text', { nullable: true }) error!: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) receivedAt!: Date;
  @Column('timestamptz', { nullable: true }) processedAt!: Date | null;
}
