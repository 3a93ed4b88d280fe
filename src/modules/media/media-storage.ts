import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';

/** Where media bytes live. Local disk by default; a shared store for several replicas implements the same. */
export interface MediaStorage {
  put(key: string, bytes: Buffer): Promise<void>;
  read(key: string): Readable;
  remove(key: string): Promise<void>;
}

export const MEDIA_STORAGE = Symbol('MEDIA_STORAGE');

/** Files under one directory; writes go to a temporary name first so a crash never leaves half a file. */
export class LocalDiskMediaStorage implements MediaStorage {
  constructor(private readonly root: string) {}

  async put(key: string, bytes: Buffer): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const partial = `${path}.partial`;
    await writeFile(partial, bytes);
    await rename(partial, path);
  }

  read(key: string): Readable {
    return createReadStream(this.pathOf(key));
  }

  async remove(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  private pathOf(key: string): string {
    return join(this.root, checkedKey(key));
  }
}

/** Keys are our ids joined by `/`; anything else (`..`, odd characters) is refused before it reaches a path or URL. */
export function checkedKey(key: string): string {
  if (!/^[0-9a-f-]+(\/[0-9a-f-]+)*$/.test(key)) {
    throw new Error(`Invalid media storage key ${key}`);
  }
  return key;
}
