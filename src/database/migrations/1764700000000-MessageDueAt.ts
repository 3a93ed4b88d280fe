import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When a message far back in its phone's paced backlog is expected to go out: the reconciler leaves
 * it alone until then, instead of taking a healthy backlog for lost jobs.
 */
export class MessageDueAt1764700000000 implements MigrationInterface {
  name = 'MessageDueAt1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE messages ADD COLUMN due_at timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE messages DROP COLUMN due_at`);
  }
}
