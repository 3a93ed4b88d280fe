import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';

/** A stored file opened for reading: the store has found it, and says how large it is. */
export interface StoredFile {
  stream: Readable;
  size: number;
}

/** Where media bytes live. Local disk by default; a shared store for several replicas implements the same. */
export interface MediaStorage {
  /** Keeps the whole file under `key`, or nothing: a failed put leaves no partial object behind. */
  put(key: string, bytes: Buffer): Promise<void>;
  /** Resolves once the file is found (a missing or unreadable file rejects here, before any byte is read). */
  open(key: string): Promise<StoredFile>;
  remove(key: string): Promise<void>;
}

export const MEDIA_STORAGE = Symbol('MEDIA_STORAGE');

/** The store refused or failed an operation; `message` says which and why, for the operator's log. */
export class MediaStorageError extends Error {
  override readonly name = 'MediaStorageError';

  constructor(
    message: string,
    /** The store's answer (HTTP status), when it gave one. */
    readonly status?: number,
    /** The store's error code (S3's `<Code>`, or the system error code), when it gave one. */
    readonly code?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Files under one directory; writes go to a temporary name first so a crash never leaves half a file. */
export class LocalDiskMediaStorage implements MediaStorage {
  constructor(private readonly root: string) {}

  async put(key: string, bytes: Buffer): Promise<void> {
    const path = this.pathOf(key);
    const partial = `${path}.partial`;
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(partial, bytes);
      await rename(partial, path);
    } catch (error) {
      await rm(partial, { force: true }).catch(() => undefined);
      throw diskError('write', key, error);
    }
  }

  async open(key: string): Promise<StoredFile> {
    try {
      const handle = await open(this.pathOf(key), 'r');
      const { size } = await handle.stat().catch(async (error: unknown) => {
        await handle.close();
        throw error;
      });
      return { stream: handle.createReadStream(), size };
    } catch (error) {
      throw diskError('read', key, error);
    }
  }

  async remove(key: string): Promise<void> {
    try {
      await rm(this.pathOf(key), { force: true });
    } catch (error) {
      throw diskError('remove', key, error);
    }
  }

  private pathOf(key: string): string {
    return join(this.root, checkedKey(key));
  }
}

function diskError(operation: string, key: string, error: unknown): MediaStorageError {
  const code = (error as { code?: string } | undefined)?.code;
  return new MediaStorageError(`Could not ${operation} media file ${key}: ${String(error)}`, undefined, code, {
    cause: error,
  });
}

/** Keys are our ids joined by `/`; anything else (`..`, odd characters) is refused before it reaches a path or URL. */
export function checkedKey(key: string): string {
  if (!/^[0-9a-f-]+(\/[0-9a-f-]+)*$/.test(key)) {
    throw new Error(`Invalid media storage key ${key}`);
  }
  return key;
}
