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
export class LighterMessageWrites1765000000000 implements MigrationInterface {
  name = 'LighterMessageWrites1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE messages DROP CONSTRAINT messages_organization_id_fkey`);
    await queryRunner.query(`ALTER TABLE messages DROP CONSTRAINT messages_phone_number_id_fkey`);
    await queryRunner.query(`ALTER TABLE messages DROP CONSTRAINT messages_batch_id_fkey`);
    await queryRunner.query(`ALTER TABLE conversations DROP CONSTRAINT conversations_organization_id_fkey`);
    await queryRunner.query(`ALTER TABLE conversations DROP CONSTRAINT conversations_phone_number_id_fkey`);
    await queryRunner.query(`ALTER TABLE contacts DROP CONSTRAINT contacts_organization_id_fkey`);
    await queryRunner.query(`ALTER TABLE events DROP CONSTRAINT events_organization_id_fkey`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE events ADD CONSTRAINT events_organization_id_fkey
         FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE CASCADE`,
    );
    await queryRunner.query(
      `ALTER TABLE contacts ADD CONSTRAINT contacts_organization_id_fkey
         FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE CASCADE`,
    );
    await queryRunner.query(
      `ALTER TABLE conversations ADD CONSTRAINT conversations_phone_number_id_fkey
         FOREIGN KEY (phone_number_id) REFERENCES phone_numbers (id) ON DELETE CASCADE`,
    );
    await queryRunner.query(
      `ALTER TABLE conversations ADD CONSTRAINT conversations_organization_id_fkey
         FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE CASCADE`,
    );
    await queryRunner.query(
      `ALTER TABLE messages ADD CONSTRAINT messages_batch_id_fkey FOREIGN KEY (batch_id) REFERENCES message_batches (id)`,
    );
    await queryRunner.query(
      `ALTER TABLE messages ADD CONSTRAINT messages_phone_number_id_fkey
         FOREIGN KEY (phone_number_id) REFERENCES phone_numbers (id) ON DELETE CASCADE`,
    );
    await queryRunner.query(
      `ALTER TABLE messages ADD CONSTRAINT messages_organization_id_fkey
         FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE CASCADE`,
    );
  }
}
