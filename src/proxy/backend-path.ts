import type { Route } from '../config/route-types';

/** The path to send to the backend after the route's `path_rem` / `replace_beg` rewriting (spec config.md §3). */
export function backendPath(route: Route, url: string): string {
  if (route.pathRem !== undefined && route.pathRem > 0) {
    const rest = url.slice(route.pathRem);
    return rest.startsWith('/') ? rest : '/' + rest;
  }
  if (route.replaceBeg !== undefined) {
    // Without path_beg the matched prefix is empty, so the value goes in front of the path.
    const matched = route.pathBeg !== undefined && url.startsWith(route.pathBeg) ? route.pathBeg.length : 0;
    return route.replaceBeg + url.slice(matched);
  }
  return url;
}
