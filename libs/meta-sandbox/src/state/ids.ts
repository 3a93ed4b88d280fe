import { randomFillSync, randomInt } from 'node:crypto';

/**
 * Meta-style numeric-string ids, unique across every kind of node: the sandbox finds what an id
 * names by looking it up, so a phone and a template must never share one. Fifteen digits keep
 * them below 2^53, because Meta sends some of them (message_template_id) as JSON numbers.
 */
export class IdGenerator {
  private next = 100_000_000_000_000 + randomInt(0, 2 ** 40);
  private readonly taken = new Set<string>();

  newId(): string {
    let id: string;
    do {
      id = String(this.next++);
    } while (this.taken.has(id));
    this.taken.add(id);
    return id;
  }

  /** Reserves a caller-chosen id; false when it is already in use. */
  claim(id: string): boolean {
    if (this.taken.has(id)) {
      return false;
    }
    this.taken.add(id);
    return true;
  }
}

const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

/**
 * Random bytes from a pool refilled 4 KB at a time: ids are made for every send, and one
 * `randomBytes` call per id cost more than the rest of the id.
 */
export function randomChunk(size: number): Buffer {
  if (poolOffset + size > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  poolOffset += size;
  return Buffer.from(pool.subarray(poolOffset - size, poolOffset));
}

/** An opaque WhatsApp message id, shaped like Meta's (`wamid.` + base64). */
export function newWamid(phoneDigits: string): string {
  const payload = Buffer.concat([Buffer.from(`\x15\x02\x00\x11\x18\x12${phoneDigits}`), randomChunk(18)]);
  return `wamid.${payload.toString('base64')}`;
}

export function unixSeconds(date = new Date()): string {
  return String(Math.floor(date.getTime() / 1000));
}

/** Meta compares and reports phone numbers as digits only. */
export function digitsOf(phone: string): string {
  return phone.replace(/\D/g, '');
}
