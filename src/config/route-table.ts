/**
 * Route selection (spec/config.md §5), precomputed so that `select` does one map lookup and a short scan.
 *
 * 1. If any route names the request's host exactly, only that host's routes are considered (no fallback to
 *    `*`); otherwise the `*` routes are.
 * 2. A route matches when its `proto`, `ssl` and `path_beg` conditions (when set) all hold.
 * 3. The most specific match wins: a route with `proto` beats one without, then the longer `path_beg`,
 *    then a route with `ssl` beats one without. File order is irrelevant.
 *
 * Pushpin 1.36 applies rule 3 pairwise in file order, so when a route with `ssl` but a shorter `path_beg`
 * comes after one with a longer `path_beg`, the earlier route loses; here the longer `path_beg` always wins,
 * as the documented order says. Among matching routes the order above is total (two routes equal on all
 * three keys that both match a request would be duplicate conditions, which the parser drops).
 */
import type { Route, RouteRequest } from './route-types';

/** Routes for one domain, split by request kind: index = (isWebSocket ? 2 : 0) + (isTls ? 1 : 0). */
type KindLists = [Route[], Route[], Route[], Route[]];

export type RouteSelection = { route: Route } | { error: 'no-route'; host: string };

function kindIndex(isWebSocket: boolean, isTls: boolean): 0 | 1 | 2 | 3 {
  return ((isWebSocket ? 2 : 0) + (isTls ? 1 : 0)) as 0 | 1 | 2 | 3;
}

/** Negative when `a` is more specific than `b`. */
function bySpecificity(a: Route, b: Route): number {
  const proto = Number(b.proto !== undefined) - Number(a.proto !== undefined);
  if (proto !== 0) return proto;
  const path = (b.pathBeg?.length ?? 0) - (a.pathBeg?.length ?? 0);
  if (path !== 0) return path;
  return Number(b.ssl !== undefined) - Number(a.ssl !== undefined);
}

function buildKindLists(routes: Route[]): KindLists {
  const sorted = [...routes].sort(bySpecificity);
  const lists: KindLists = [[], [], [], []];
  for (const isWebSocket of [false, true]) {
    for (const isTls of [false, true]) {
      const list = lists[kindIndex(isWebSocket, isTls)];
      for (const r of sorted) {
        if (r.proto !== undefined && (r.proto === 'ws') !== isWebSocket) continue;
        if (r.ssl !== undefined && r.ssl !== isTls) continue;
        list.push(r);
      }
    }
  }
  return lists;
}

export class RouteTable {
  private readonly byDomain = new Map<string, KindLists>();
  private readonly wildcard: KindLists | undefined;
  private readonly ids = new Map<string, Route>();
  private readonly sharedIds = new Set<string>();
  private readonly all: readonly Route[];

  /**
   * @param routes routes as `parseRoutes` returns them (duplicate conditions already removed). Routes
   *   with domain `''` (id-only) are reachable only through `byId`.
   */
  constructor(routes: Route[]) {
    this.all = routes;
    const grouped = new Map<string, Route[]>();
    for (const r of routes) {
      if (r.domain !== '') {
        const g = grouped.get(r.domain);
        if (g) g.push(r);
        else grouped.set(r.domain, [r]);
      }
      if (this.ids.has(r.id) || this.sharedIds.has(r.id)) {
        // as Pushpin: a duplicated id cannot be used for lookups at all
        this.ids.delete(r.id);
        this.sharedIds.add(r.id);
      } else {
        this.ids.set(r.id, r);
      }
    }
    for (const [domain, list] of grouped) {
      if (domain !== '*') this.byDomain.set(domain, buildKindLists(list));
    }
    const star = grouped.get('*');
    this.wildcard = star ? buildKindLists(star) : undefined;
  }

  /** Picks the route for a request (host lower-cased, without port; raw path without query). */
  select(req: RouteRequest): RouteSelection {
    const lists = this.byDomain.get(req.host) ?? this.wildcard;
    if (lists) {
      const list = lists[kindIndex(req.isWebSocket, req.isTls)];
      for (const r of list) {
        if (r.pathBeg === undefined || req.path.startsWith(r.pathBeg)) return { route: r };
      }
    }
    return { error: 'no-route', host: req.host };
  }

  /** The route with this id (explicit or derived), or undefined if unknown or shared by several routes. */
  byId(id: string): Route | undefined {
    return this.ids.get(id);
  }

  /** True when several routes carry this id (so `byId` refuses it). */
  isIdShared(id: string): boolean {
    return this.sharedIds.has(id);
  }

  /** All routes in file order. */
  get routes(): readonly Route[] {
    return this.all;
  }

  /** Number of routes loaded (Pushpin's `routes loaded with N entries`). */
  get size(): number {
    return this.all.length;
  }
}
