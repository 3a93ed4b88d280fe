import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A WhatsApp user as this organization knows them: by phone (`waId`), BSUID, username, or several. */
@Entity('contacts')
export class Contact {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid') organizationId!: string;
  @Column('boolean') livemode!: boolean;
  @Column('varchar', { length: 32, nullable: true }) waId!: string | null;
  @Column('varchar', { length: 160, nullable: true }) bsuid!: string | null;
  @Column('varchar', { length: 64, nullable: true }) username!: string | null;
  /** The name the user set in WhatsApp, from the latest inbound message. */
  @Column('varchar', { length: 256, nullable: true }) profileName!: string | null;
  /** The name the organization gave the contact. */
  @Column('varchar', { length: 256, nullable: true }) name!: string | null;
  @Column('text', { array: true }) tags!: string[];
  @Column('jsonb') attributes!: object;
  @Column('timestamptz', { nullable: true }) lastInboundAt!: Date | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;
}

/** The stable key of a contact in events: its BSUID when known, else its phone. */
export function contactIdentifier(contact: Pick<Contact, 'waId' | 'bsuid' | 'id'>): string {
  return contact.bsuid ?? (contact.waId ? `+${contact.waId}` : contact.id);
}

/** What to send to, to reply: the phone in E.164 when known (Meta prefers it), else the BSUID. */
export function contactReplyTo(contact: Pick<Contact, 'waId' | 'bsuid'>): string | null {
  return contact.waId ? `+${contact.waId}` : contact.bsuid;
}
