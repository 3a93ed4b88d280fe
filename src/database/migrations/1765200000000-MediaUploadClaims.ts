import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A copy of our media on Meta is claimed by the worker uploading it, for a short time it renews
 * while the upload runs, instead of a transaction held open through the upload: a row may now be
 * a claim without a copy yet (no Meta id), and `claimed_until` says until when others wait for it.
 */
export class MediaUploadClaims1765200000000 implements MigrationInterface {
  name = 'MediaUploadClaims1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE media_uploads
         ALTER COLUMN meta_media_id DROP NOT NULL,
         ALTER COLUMN expires_at DROP NOT NULL,
         ADD COLUMN claimed_until timestamptz`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM media_uploads WHERE meta_media_id IS NULL OR expires_at IS NULL`);
    await queryRunner.query(
      `ALTER TABLE media_uploads
         DROP COLUMN claimed_until,
         ALTER COLUMN meta_media_id SET NOT NULL,
         ALTER COLUMN expires_at SET NOT NULL`,
    );
  }
}
