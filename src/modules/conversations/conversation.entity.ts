import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** One contact's thread with one business phone number. */
@Entity('conversations')
export class Conversation {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid') organizationId!: string;
  @Column('boolean') livemode!: boolean;
  @Column('uuid') phoneNumberId!: string;
  @Column('uuid') contactId!: string;
  @Column('uuid', { nullable: true }) lastMessageId!: string | null;
  @Column('timestamptz') lastMessageAt!: Date;
  @Column('varchar', { length: 8, nullable: true }) lastMessageDirection!: 'inbound' | 'outbound' | null;
  @Column('varchar', { length: 200, nullable: true }) lastMessagePreview!: string | null;
  /** The customer-service window is open for 24 h from here. */
  @Column('timestamptz', { nullable: true }) lastInboundAt!: Date | null;
  @Column('integer') unreadCount!: number;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;
}

export const SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000;

export function windowExpiresAt(conversation: Pick<Conversation, 'lastInboundAt'>): Date | null {
  return conversation.lastInboundAt ? new Date(conversation.lastInboundAt.getTime() + SERVICE_WINDOW_MS) : null;
}
