import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { MessageError } from './message.entity';

/** One status a message reached, kept even when it arrived too late to change the message's status. */
@Entity('message_status_events')
export class MessageStatusEvent {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid') messageId!: string;
  @Column('varchar', { length: 16 }) status!: string;
  @Column('timestamptz') occurredAt!: Date;
  @Column('jsonb', { nullable: true }) error!: MessageError | null;
  @Column('jsonb', { nullable: true }) pricing!: Record<string, unknown> | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
