import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'cancelled';
export type DeliveryTrigger = 'event' | 'retry' | 'replay';

/** One event on its way to one endpoint, with the outcome of its latest attempt. */
@Entity('webhook_deliveries')
export class WebhookDelivery {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid') endpointId!: string;
  @Column('uuid') eventId!: string;
  @Column('varchar', { length: 8 }) trigger!: DeliveryTrigger;
  @Column('varchar', { length: 10 }) status!: DeliveryStatus;
  @Column('integer') attempts!: number;
  @Column('timestamptz', { nullable: true }) nextAttemptAt!: Date | null;
  @Column('timestamptz', { nullable: true }) lastAttemptAt!: Date | null;
  @Column('integer', { nullable: true }) lastStatusCode!: number | null;
  @Column('integer', { nullable: true }) lastDurationMs!: number | null;
  @Column('text', { nullable: true }) lastResponseExcerpt!: string | null;
  @Column('text', { nullable: true }) lastError!: string | null;
  @Column('timestamptz', { nullable: true }) deliveredAt!: Date | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
