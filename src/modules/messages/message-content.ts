import { camelCaseKey, snakeCaseKey } from '@libs/meta-graph';

/**
 * Whether the value under `key` is the business's own data, passed to its Flow as it is: its keys
 * are not Meta's and are never renamed (a Flow message's `flow_action_payload.data`, a Flow button's
 * `flow_action_data`).
 */
function isFlowData(key: string, parentKey: string | undefined): boolean {
  const name = snakeCaseKey(key);
  return (
    name === 'flow_action_data' || (name === 'data' && !!parentKey && snakeCaseKey(parentKey) === 'flow_action_payload')
  );
}

function renameKeys(value: unknown, rename: (key: string) => string, parentKey?: string): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => renameKeys(item, rename, parentKey));
  }
  if (!value || typeof value !== 'object') {
    return value;
  }
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, item]) => [
      rename(key),
      isFlowData(key, parentKey) ? item : renameKeys(item, rename, key),
    ]),
  );
}

/**
 * Meta's snake_case objects in our camelCase API (`amount_1000` → `amount1000`). Values (e.g. a Flow's
 * `response_json`) and the business's own Flow data are kept as they are.
 */
export function camelCaseKeys(value: unknown): unknown {
  return renameKeys(value, camelCaseKey);
}

/**
 * Our camelCase objects → Meta's snake_case ones, the inverse of `camelCaseKeys` (`amount1000` →
 * `amount_1000`; keys only: values such as texts, and the business's own Flow data, stay as they are).
 */
export function snakeCaseKeys(value: unknown): unknown {
  return renameKeys(value, snakeCaseKey);
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
