/** A page of a keyset-paginated list; the envelope (common/http/envelope.ts) renders it `{ data, meta: { pagination } }`. */
export class Page<T> {
  constructor(
    readonly items: T[],
    readonly limit: number,
    readonly nextCursor: string | null,
  ) {}

  get hasMore(): boolean {
    return this.nextCursor !== null;
  }

  map<U>(mapper: (item: T) => U): Page<U> {
    return new Page(this.items.map(mapper), this.limit, this.nextCursor);
  }
}
