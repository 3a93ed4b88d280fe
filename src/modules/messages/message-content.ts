import { camelCaseKey, snakeCaseKey } from '@libs/meta-graph';

/**
 * Meta's snake_case objects in our camelCase API (`amount_1000` → `amount1000`). Values (e.g. a Flow's
 * `response_json`) are kept as they are.
 */
export function camelCaseKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(camelCaseKeys);
  }
  if (!value || typeof value !== 'object') {
    return value;
  }
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, item]) => [camelCaseKey(key), camelCaseKeys(item)]),
  );
}

/**
 * Our camelCase objects → Meta's snake_case ones, the inverse of `camelCaseKeys` (`amount1000` →
 * `amount_1000`; keys only: values such as texts stay as they are).
 */
export function snakeCaseKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(snakeCaseKeys);
  }
  if (!value || typeof value !== 'object') {
    return value;
  }
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, item]) => [snakeCaseKey(key), snakeCaseKeys(item)]),
  );
}

const PREVIEW_LENGTH = 200;

/** A one-line summary for conversation lists: the text, caption or a label for the type. */
export function previewOf(type: string, content: Record<string, unknown>): string {
  const body = content[type] as Record<string, unknown> | undefined;
  const text =
    (typeof body?.body === 'string' && body.body) ||
    (typeof body?.caption === 'string' && body.caption) ||
    (typeof body?.text === 'string' && body.text) ||
    (type === 'reaction' && typeof body?.emoji === 'string' && `Reacted ${body.emoji}`) ||
    (type === 'interactive' && interactiveTitle(body)) ||
    `[${type}]`;
  if (text.length <= PREVIEW_LENGTH) {
    return text;
  }
  const cut = text.slice(0, PREVIEW_LENGTH - 1);
  // Never half an emoji: a lone surrogate is not valid text (jsonb refuses it).
  return `${/[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut}…`;
}

function interactiveTitle(interactive: Record<string, unknown> | undefined): string | undefined {
  const reply = (interactive?.buttonReply ?? interactive?.listReply) as { title?: string } | undefined;
  return reply?.title;
}
