import { AppException } from '../errors/app.exception';
import { decodeCursor, encodeCursor, toPage } from './cursor';

const id = (n: number) => `0193a5c2-7b1e-7c3e-9a51-${String(n).padStart(12, '0')}`;

describe('cursor pagination', () => {
  it('round-trips an id through an opaque cursor', () => {
    const cursor = encodeCursor(id(1));
    expect(cursor).not.toContain(id(1));
    expect(decodeCursor(cursor)).toBe(id(1));
  });

  it.each(['', 'garbage', Buffer.from('{"v":1,"id":"1 OR 1=1"}').toString('base64url'), encodeCursor('x')])(
    'rejects %j as a validation error on the cursor field',
    (cursor) => {
      try {
        decodeCursor(cursor);
        throw new Error('expected a validation error');
      } catch (error) {
        expect(error).toBeInstanceOf(AppException);
        expect((error as AppException).details).toEqual([{ field: 'cursor', message: expect.any(String) }]);
      }
    },
  );

  it('uses the extra row only to know that more exist', () => {
    const rows = [1, 2, 3].map((n) => ({ id: id(n) }));
    const page = toPage(rows, 2);
    expect(page.items).toEqual(rows.slice(0, 2));
    expect(page.hasMore).toBe(true);
    expect(decodeCursor(page.nextCursor!)).toBe(id(2));
    expect(toPage(rows, 3).nextCursor).toBeNull();
  });
});
