import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Drops the foreign keys of the rows every send writes (contacts, conversations, messages, events)
 * that only serve deletes the service never makes, because each is checked row by row on every
 * insert: a batch of 5,000 spent 345 of its 813 ms in nine such checks. Those columns are always
 * copied from rows just read (the caller's organization, a phone looked up for it), and organizations
 * and phones are never deleted (phones are disconnected, and kept with their history):
 * - `organization_id` of contacts, conversations, messages and events;
 * - `phone_number_id` of conversations and messages;
 * - `messages.batch_id`: a batch is written in the transaction of its messages.
 * What deleting a contact relies on stays (`conversations.contact_id`, `messages.conversation_id`
 * cascade), and so does `messages.contact_id`, whose checks contact merges wait on.
 */
const DROPPED: { table: string; column: string; references: string; onDelete: string }[] = [
  { table: 'messages', column: 'organization_id', references: 'organizations', onDelete: 'ON DELETE CASCADE' },
  { table: 'messages', column: 'phone_number_id', references: 'phone_numbers', onDelete: 'ON DELETE CASCADE' },
  { table: 'messages', column: 'batch_id', references: 'message_batches', onDelete: '' },
  { table: 'conversations', column: 'organization_id', references: 'organizations', onDelete: 'ON DELETE CASCADE' },
  { table: 'conversations', column: 'phone_number_id', references: 'phone_numbers', onDelete: 'ON DELETE CASCADE' },
  { table: 'contacts', column: 'organization_id', references: 'organizations', onDelete: 'ON DELETE CASCADE' },
  { table: 'events', column: 'organization_id', references: 'organizations', onDelete: 'ON DELETE CASCADE' },
];

export class LighterMessageWrites1765000000000 implements MigrationInterface {
  name = 'LighterMessageWrites1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const { table, column } of DROPPED) {
      await queryRunner.query(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_${column}_fkey`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const { table, column, references, onDelete } of DROPPED) {
      await queryRunner.query(
        `ALTER TABLE ${table} ADD CONSTRAINT ${table}_${column}_fkey
           FOREIGN KEY (${column}) REFERENCES ${references} (id) ${onDelete}`,
      );
    }
  }
}
