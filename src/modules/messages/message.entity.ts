import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export const MESSAGE_STATUSES = [
  'queued',
  'sending',
  'sent',
  'delivered',
  'read',
  'failed',
  'cancelled',
  'received',
] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];
export type MessageDirection = 'inbound' | 'outbound';

/** Meta's error as a message carries it. */
export interface MessageError {
  code: number;
  title: string;
  message?: string;
  details?: string;
}

/** A WhatsApp message, inbound or outbound. Content keeps Meta's type names and shapes, in camelCase. */
@Entity('messages')
export class Message {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid') organizationId!: string;
  @Column('boolean') livemode!: boolean;
  @Column('uuid') phoneNumberId!: string;
  @Column('uuid', { nullable: true }) conversationId!: string | null;
  @Column('uuid', { nullable: true }) contactId!: string | null;
  @Column('uuid', { nullable: true }) batchId!: string | null;
  @Column('varchar', { length: 8 }) direction!: MessageDirection;
  @Column('varchar', { length: 32 }) type!: string;
  @Column('jsonb') content!: Record<string, unknown>;
  @Column('varchar', { length: 16 }) status!: MessageStatus;
  @Column('varchar', { length: 160, nullable: true }) waMessageId!: string | null;
  @Column('jsonb', { nullable: true }) context!: Record<string, unknown> | null;
  @Column('jsonb', { nullable: true }) referral!: Record<string, unknown> | null;
  @Column('jsonb', { nullable: true }) metadata!: Record<string, unknown> | null;
  @Column('jsonb', { nullable: true }) error!: MessageError | null;
  /** When it happened at WhatsApp (inbound: Meta's timestamp; outbound: when accepted). */
  @Column('timestamptz') occurredAt!: Date;
  @Column('timestamptz', { nullable: true }) sentAt!: Date | null;
  @Column('timestamptz', { nullable: true }) deliveredAt!: Date | null;
  @Column('timestamptz', { nullable: true }) readAt!: Date | null;
  @Column('timestamptz', { nullable: true }) failedAt!: Date | null;
  /** Set for a message far back in a paced backlog: when it is expected to be sent. */
  @Column('timestamptz', { nullable: true }) dueAt!: Date | null;
  /** Times an outbound message was handed to Meta (retries included). */
  @Column('integer', { default: 0 }) attempts!: number;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;
}
