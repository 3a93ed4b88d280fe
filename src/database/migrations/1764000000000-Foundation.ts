import { MigrationInterface, QueryRunner } from 'typeorm';

export class Foundation1764000000000 implements MigrationInterface {
  name = 'Foundation1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE organizations (
        id uuid PRIMARY KEY,
        name varchar(200) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY,
        email varchar(320) NOT NULL,
        is_platform_admin boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT users_email_lowercase CHECK (email = lower(email))
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX users_email_key ON users (email)`);
    await queryRunner.query(`
      CREATE TABLE organization_members (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        role varchar(20) NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (organization_id, user_id)
      )`);
    // Listing a user's organizations walks this index in organization id order.
    await queryRunner.query(
      `CREATE INDEX organization_members_user_idx ON organization_members (user_id, organization_id)`,
    );
    await queryRunner.query(`
      CREATE TABLE personal_access_tokens (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        name varchar(100) NOT NULL,
        token_hash char(64) NOT NULL,
        token_preview varchar(32) NOT NULL,
        expires_at timestamptz,
        revoked_at timestamptz,
        last_used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX personal_access_tokens_hash_key ON personal_access_tokens (token_hash)`,
    );
    await queryRunner.query(`CREATE INDEX personal_access_tokens_user_idx ON personal_access_tokens (user_id)`);
    await queryRunner.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY,
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        name varchar(100) NOT NULL,
        livemode boolean NOT NULL,
        key_hash char(64) NOT NULL,
        key_preview varchar(32) NOT NULL,
        scopes text[] NOT NULL,
        rate_limit_per_minute integer CHECK (rate_limit_per_minute > 0),
        created_by_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
        expires_at timestamptz,
        revoked_at timestamptz,
        last_used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX api_keys_hash_key ON api_keys (key_hash)`);
    await queryRunner.query(`CREATE INDEX api_keys_organization_idx ON api_keys (organization_id, id)`);
    await queryRunner.query(`
      CREATE TABLE idempotency_keys (
        scope varchar(64) NOT NULL,
        key varchar(255) NOT NULL,
        request_method varchar(10) NOT NULL,
        request_path varchar(2048) NOT NULL,
        request_hash char(64) NOT NULL,
        response_status integer,
        response_body jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (scope, key)
      )`);
    await queryRunner.query(`CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'idempotency_keys',
      'api_keys',
      'personal_access_tokens',
      'organization_members',
      'users',
      'organizations',
    ]) {
      await queryRunner.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
