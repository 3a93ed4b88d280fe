import { isMediaKind, MediaKind } from './media-types';

/** A place where an outbound message names media by id (ours), with the kind of media it takes. */
export interface MediaReference {
  kind: MediaKind;
  id: string;
  /** The request field, for errors: `image.id`, `interactive.header.image.id`, `template.components[0]…`. */
  field: string;
  /** The object holding `id` (and a caption, filename or `voice` flag). */
  object: Record<string, unknown>;
}

const HEADER_KINDS = new Set(['image', 'video', 'document']);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

function byId(kind: string, object: unknown, field: string): MediaReference[] {
  return isMediaKind(kind) && isObject(object) && typeof object.id === 'string'
    ? [{ kind, id: object.id, field: `${field}.id`, object }]
    : [];
}

/**
 * Every media id of a message's content: the media message itself, an interactive message's media
 * header, and a template's media header parameters. Links are not references.
 */
export function mediaReferencesIn(type: string, content: Record<string, unknown>): MediaReference[] {
  if (isMediaKind(type)) {
    return byId(type, content[type], type);
  }
  const object = content[type];
  if (type === 'interactive' && isObject(object) && isObject(object.header)) {
    const kind = String(object.header.type);
    return HEADER_KINDS.has(kind) ? byId(kind, object.header[kind], `interactive.header.${kind}`) : [];
  }
  if (type === 'template' && isObject(object) && Array.isArray(object.components)) {
    return object.components.flatMap((component: unknown, index) =>
      isObject(component) && String(component.type).toLowerCase() === 'header' && Array.isArray(component.parameters)
        ? component.parameters.flatMap((parameter: unknown, position) => {
            const kind = isObject(parameter) ? String(parameter.type) : '';
            return HEADER_KINDS.has(kind)
              ? byId(
                  kind,
                  (parameter as Record<string, unknown>)[kind],
                  `template.components[${index}].parameters[${position}].${kind}`,
                )
              : [];
          })
        : [],
    );
  }
  return [];
}

/** A copy of the content with each referenced id replaced (ids the map lacks are kept). */
export function withMediaIds(
  type: string,
  content: Record<string, unknown>,
  ids: ReadonlyMap<string, string>,
): Record<string, unknown> {
  const copy = structuredClone(content);
  for (const reference of mediaReferencesIn(type, copy)) {
    reference.object.id = ids.get(reference.id) ?? reference.id;
  }
  return copy;
}
