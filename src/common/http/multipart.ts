import type { FastifyRequest } from 'fastify';

/** Route config of the routes that take `multipart/form-data`: `@RouteConfig(ACCEPTS_MULTIPART)`. */
export const ACCEPTS_MULTIPART = { acceptsMultipart: true };

/** Multipart sent to a route that takes only JSON. */
export function isUnexpectedMultipart(request: FastifyRequest): boolean {
  return request.isMultipart() && !(request.routeOptions.config as { acceptsMultipart?: boolean }).acceptsMultipart;
}
