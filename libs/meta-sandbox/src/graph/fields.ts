import { GraphErrors } from './graph-error';

/**
 * Graph field selection: `?fields=a,b{c}` picks from what a node offers; without it the node's
 * default fields. Asking for a field the node does not have is Meta's error 100.
 */
export function selectFields(
  available: Record<string, unknown>,
  defaults: string[],
  requested: string | null,
  nodeType: string,
): Record<string, unknown> {
  const names = requested
    ? requested
        .split(/,(?![^{]*})/)
        .map((field) => field.replace(/\{.*\}$/, '').trim())
        .filter(Boolean)
    : defaults;
  const selected: Record<string, unknown> = {};
  for (const name of new Set(['id', ...names])) {
    if (!(name in available)) {
      throw GraphErrors.nonexistingField(name, nodeType);
    }
    if (available[name] !== undefined) {
      selected[name] = available[name];
    }
  }
  return selected;
}

/** Cursor paging the way Graph shapes it: `{ data, paging: { cursors: { before, after }, next? } }`. */
export function page<T>(items: T[], query: URLSearchParams, selfUrl: string, render: (item: T) => unknown) {
  const limit = Math.min(Math.max(Number(query.get('limit') ?? 25) || 25, 1), 100);
  const decode = (cursor: string | null) => (cursor ? Number(Buffer.from(cursor, 'base64url').toString()) : NaN);
  const encode = (offset: number) => Buffer.from(String(offset)).toString('base64url');
  const after = decode(query.get('after'));
  const start = Number.isInteger(after) && after >= 0 ? after + 1 : 0;
  const slice = items.slice(start, start + limit);
  const data = slice.map(render);
  if (slice.length === 0) {
    return { data, paging: { cursors: {} } };
  }
  const last = start + slice.length - 1;
  const next = new URL(selfUrl);
  next.searchParams.set('after', encode(last));
  next.searchParams.set('limit', String(limit));
  return {
    data,
    paging: {
      cursors: { before: encode(start), after: encode(last) },
      ...(last < items.length - 1 && { next: next.toString() }),
    },
  };
}
