import { v7 as uuidv7 } from 'uuid';

/** Every internal id is a UUID v7: time-ordered, so keyset pagination by id is pagination by creation time. */
export function newId(): string {
  return uuidv7();
}
