import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Drops the foreign keys on messages and conversations that only repeat what another one already
 * guarantees, because each is checked row by row on every insert (a batch of 5,000 spent 345 of its
 * 813 ms in nine such checks):
 * - `messages.organization_id`, `messages.phone_number_id`, `conversations.organization_id`: a
 *   message's conversation (and a conversation's phone and contact) belong to the same organization
 *   and phone, and deleting the organization, phone or contact still cascades through them;
 * - `messages.batch_id`: a batch is written in the transaction of its messages and only deleted
 *   with its organization.
 * `messages.conversation_id` and `messages.contact_id` stay: contact merges rely on their checks.
 */
export class LighterMessageWrites1765000000000 implements MigrationInterface {
  name = 'LighterMessageWrites1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE messages DROP CONSTRAINT messages_organization_id_fkey`);
    await queryRunner.query(`ALTER TABLE messages DROP CONSTRAINT messages_phone_number_id_fkey`);
    await queryRunner.query(`ALTER TABLE messages DROP CONSTRAINT messages_batch_id_fkey`);
    await queryRunner.query(`ALTER TABLE conversations DROP CONSTRAINT conversations_organization_id_fkey`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
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
