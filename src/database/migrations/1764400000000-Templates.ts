import { MigrationInterface, QueryRunner } from 'typeorm';

export class Templates1764400000000 implements MigrationInterface {
  name = 'Templates1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE templates (
        id uuid PRIMARY KEY,
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        livemode boolean NOT NULL,
        waba_id uuid NOT NULL REFERENCES wabas (id) ON DELETE CASCADE,
        meta_template_id varchar(32) NOT NULL,
        name varchar(512) NOT NULL,
        language varchar(16) NOT NULL,
        category varchar(16) NOT NULL,
        status varchar(24) NOT NULL,
        rejected_reason varchar(64),
        parameter_format varchar(12) NOT NULL,
        components jsonb NOT NULL,
        last_synced_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT templates_name_language_key UNIQUE (waba_id, name, language),
        CONSTRAINT templates_meta_id_key UNIQUE (waba_id, meta_template_id)
      )`);
    await queryRunner.query(
      `CREATE INDEX templates_organization_idx ON templates (organization_id, livemode, id DESC)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE templates`);
  }
}
