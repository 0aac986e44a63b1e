import type { Request } from 'express';

/** What the filter reads of Express 5's router: each route's layer, and whether its path matches. */
interface RouterLayer {
  route?: { methods: Record<string, boolean | undefined> };
  match(path: string): unknown;
}

/**
 * The methods the routes whose path matches the request take, sorted, with HEAD wherever GET is
 * (Express answers HEAD with the GET handler). Empty when no route has this path: then the answer
 * is a 404, not a 405. Read from the app's own router, so a new route needs no list kept by hand.
 */
export function allowedMethods(request: Request): string[] {
  const stack = (request.app as unknown as { router?: { stack?: RouterLayer[] } }).router?.stack ?? [];
  const methods = new Set<string>();
  for (const layer of stack) {
    if (!layer.route || !layer.match(request.path)) continue;
    for (const [method, handled] of Object.entries(layer.route.methods)) {
      if (!handled || method === '_all') continue;
      methods.add(method.toUpperCase());
      if (method === 'get') methods.add('HEAD');
    }
  }
  return [...methods].sort();
}
