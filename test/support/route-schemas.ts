// The zod schemas of every catalogue route, read from the handler modules themselves (each handler
// built with createHttpHandler carries its `schemas`; a router carries them per route key), so the
// fuzz suite generates requests from the same declarations the routes validate with.
import { allRoutes, type FunctionDefinition } from '../../config/functions';
import type { RouteSchemas } from '../../functions/shared/http-handler';
import { HandlerModules } from '../../local/handler-modules';

type WithSchemas = { readonly schemas?: RouteSchemas; readonly routes?: Readonly<Record<string, { readonly schemas?: RouteSchemas }>> };

/**
 * The schemas of a route ("POST /api/ml/predict"); {} when it validates nothing.
 * @example const { body } = schemasFor('POST /api/ml/models/{name}/deploy');
 */
export function schemasFor(routeKey: string, modules: HandlerModules = new HandlerModules(), functions?: readonly FunctionDefinition[]): RouteSchemas {
  const entry = allRoutes(functions).find(({ route }) => `${route.method} ${route.path}` === routeKey);
  if (!entry) throw new Error(`no catalogue route ${routeKey}`);
  const handler = modules.get(entry.fn) as unknown as WithSchemas;
  return (handler.routes ? handler.routes[routeKey]?.schemas : handler.schemas) ?? {};
}
