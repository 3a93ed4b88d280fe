import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig } from '../../config/app-config';

/**
 * The configured ENCRYPTION_KEY, or for the embedded single-node setup a key generated once
 * into DATA_DIR (config requires ENCRYPTION_KEY whenever DATABASE_URL is set).
 */
export function resolveEncryptionKey(config: AppConfig): Buffer {
  if (config.encryptionKey) {
    return config.encryptionKey;
  }
  const file = join(config.dataDir, 'encryption.key');
  if (!existsSync(file)) {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    new Logger('Encryption').warn(`ENCRYPTION_KEY is not set: generated one in ${file}; back it up with the data`);
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
}
