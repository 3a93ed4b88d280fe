import { MigrationInterface, QueryRunner } from 'typeorm';

export class MediaUploads1764500000000 implements MigrationInterface {
  name = 'MediaUploads1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE media_uploads (
        media_id uuid NOT NULL REFERENCES media (id) ON DELETE CASCADE,
        phone_number_id uuid NOT NULL REFERENCES phone_numbers (id) ON DELETE CASCADE,
        meta_media_id varchar(64) NOT NULL,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (media_id, phone_number_id)
      )`);
    await queryRunner.query(`CREATE INDEX media_uploads_phone_number_idx ON media_uploads (phone_number_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE media_uploads`);
  }
}
