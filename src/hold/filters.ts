/**
 * Subscription filters (spec grip-headers.md §9, Pushpin 1.36's `skip-self`, `skip-users`, `require-sub`,
 * `build-id`, `var-subst`) and the `content-filters` agreement check. Pure.
 *
 * A channel subscription lists filters in order; each may drop the item (delivery filters) or rewrite its
 * content (content filters). Unknown names are ignored. Error messages are Pushpin's
 * (`<filter>: <reason>`); sessions show them after `filter error: ` in debug mode.
 */
import { processDirectives, variableHandler, type DirectiveHandler } from './format-directives';

/** What the filters read. */
export interface FilterContext {
  /** Subscription meta (`Grip-Set-Meta`, JSON `meta`, WebSocket `set-meta`). */
  subMeta: Readonly<Record<string, string>>;
  /** The item's `meta`. */
  pubMeta: Readonly<Record<string, string>>;
  /**
   * The connection's channels (names as the backend gave them, before the route prefix) → their current
   * last id (undefined when the channel has none). `require-sub` and `build-id` read it.
   */
  prevIds: ReadonlyMap<string, string | undefined>;
}

export type FilterOutcome = { action: 'send'; content: Buffer } | { action: 'drop' } | { action: 'error'; message: string };

/** Filters that rewrite content; a publish's `content-filters` must list exactly these, in order. */
const CONTENT_FILTERS: ReadonlySet<string> = new Set(['build-id', 'var-subst']);
const KNOWN_FILTERS: ReadonlySet<string> = new Set(['skip-self', 'skip-users', 'require-sub', 'build-id', 'var-subst']);

/** Whether a filter name is one Thumbtack (and Pushpin 1.36) knows. */
export function isKnownFilter(name: string): boolean {
  return KNOWN_FILTERS.has(name);
}

/** The content filters of a subscription, in order. */
export function contentFiltersOf(filters: readonly string[]): string[] {
  return filters.filter((f) => CONTENT_FILTERS.has(f));
}

/**
 * The content-filters agreement check: undefined when the format claims nothing or claims exactly the
 * subscription's content filters, else Pushpin's mismatch message.
 */
export function contentFilterMismatch(subscription: readonly string[], claimed: readonly string[] | undefined): string | undefined {
  if (claimed === undefined) return undefined;
  const mine = contentFiltersOf(subscription);
  if (mine.length === claimed.length && mine.every((f, i) => f === claimed[i])) return undefined;
  return `content filter mismatch: subscription=${mine.join(',')} message=${claimed.join(',')}`;
}

function skipSelf(ctx: FilterContext): boolean {
  const user = ctx.subMeta['user'] ?? '';
  const sender = ctx.pubMeta['sender'] ?? '';
  return user !== '' && sender !== '' && user === sender;
}

function skipUsers(ctx: FilterContext): boolean {
  const user = ctx.subMeta['user'] ?? '';
  if (user === '') return false;
  return (ctx.pubMeta['skip_users'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .some((s) => s !== '' && s === user);
}

function requireSub(ctx: FilterContext): boolean {
  const required = ctx.pubMeta['require_sub'] ?? '';
  return required !== '' && !ctx.prevIds.has(required);
}

function own(meta: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.hasOwn(meta, key) ? meta[key] : undefined;
}

/** The `%I` handler of `build-id`: a literal `%(id)I`, else the id built from `id_format`. */
function idContentHandler(defaultId: Buffer | undefined, hex: boolean): DirectiveHandler {
  return (type, arg) => {
    if (type !== 'I') return { ok: false, error: `Unknown directive '${type}'` };
    let id = arg;
    if (id === undefined) {
      if (defaultId === undefined) return { ok: false, error: 'No ID specified and no default ID in context' };
      id = defaultId;
    }
    return { ok: true, value: hex ? Buffer.from(id.toString('hex')) : id };
  };
}

/**
 * Prepares `build-id` for one context: renders `id_format` against the last ids, checks `id_encoding`.
 * Returns the `%I` handler or an error message.
 */
export function buildIdHandler(ctx: Pick<FilterContext, 'subMeta' | 'prevIds'>): { ok: true; handler: DirectiveHandler } | { ok: false; error: string } {
  const format = own(ctx.subMeta, 'id_format');
  if (format === undefined) return { ok: false, error: "no sub meta 'id_format'" };
  let id: Buffer | undefined;
  if (ctx.prevIds.size > 0) {
    const r = processDirectives(Buffer.from(format, 'utf8'), variableHandler((name) => ctx.prevIds.get(name)));
    if (!r.ok) return { ok: false, error: `failed to render ID: ${r.error}` };
    id = r.out;
  }
  const encoding = own(ctx.subMeta, 'id_encoding');
  if (encoding !== undefined && encoding !== 'hex') return { ok: false, error: `unsupported encoding: ${encoding}` };
  return { ok: true, handler: idContentHandler(id, encoding === 'hex') };
}

function contentFilter(name: string, ctx: FilterContext, content: Buffer): { ok: true; content: Buffer } | { ok: false; error: string } {
  let handler: DirectiveHandler;
  if (name === 'build-id') {
    const h = buildIdHandler(ctx);
    if (!h.ok) return h;
    handler = h.handler;
  } else {
    handler = variableHandler((v) => own(ctx.subMeta, v));
  }
  const r = processDirectives(content, handler);
  return r.ok ? { ok: true, content: r.out } : r;
}

/**
 * Runs a subscription's filters over one published item, in order: a delivery filter that says no drops
 * the item (later filters do not run), a content filter rewrites the content, a failing one is an error.
 * Pushpin runs them for every action, so a `hint` can be dropped too.
 */
export function applyMessageFilters(filters: readonly string[], ctx: FilterContext, content: Buffer): FilterOutcome {
  let current = content;
  for (const name of filters) {
    switch (name) {
      case 'skip-self':
        if (skipSelf(ctx)) return { action: 'drop' };
        break;
      case 'skip-users':
        if (skipUsers(ctx)) return { action: 'drop' };
        break;
      case 'require-sub':
        if (requireSub(ctx)) return { action: 'drop' };
        break;
      case 'build-id':
      case 'var-subst': {
        const r = contentFilter(name, ctx, current);
        if (!r.ok) return { action: 'error', message: `${name}: ${r.error}` };
        current = r.content;
        break;
      }
      default:
        break; // unknown filters are ignored, as Pushpin does
    }
  }
  return { action: 'send', content: current };
}

/**
 * The filters that apply to response bodies (the initial body of a stream or unheld response, next-link
 * bodies): `build-id` of any channel, once. Pushpin gives them the subscription meta but no last ids, so
 * only literal `%(id)I` directives render there.
 */
export function responseFilters(channels: ReadonlyArray<{ filters: readonly string[] }>): string[] {
  return channels.some((c) => c.filters.includes('build-id')) ? ['build-id'] : [];
}

/**
 * Applies response filters to a body arriving in chunks (`allowPartial` keeps a directive cut between two
 * chunks for the next one). `finalize` must be called at the end.
 */
export class ResponseFilterStream {
  private carry: Buffer = Buffer.alloc(0);
  private handler?: DirectiveHandler;

  constructor(
    private readonly filters: readonly string[],
    private readonly subMeta: Readonly<Record<string, string>>,
  ) {}

  get active(): boolean {
    return this.filters.length > 0;
  }

  update(chunk: Buffer): { ok: true; out: Buffer } | { ok: false; error: string } {
    if (!this.active) return { ok: true, out: chunk };
    const h = this.init();
    if (!h.ok) return h;
    const input = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const r = processDirectives(input, h.handler, true);
    if (!r.ok) return { ok: false, error: `build-id: ${r.error}` };
    this.carry = Buffer.from(input.subarray(r.consumed));
    return { ok: true, out: r.out };
  }

  finalize(): { ok: true; out: Buffer } | { ok: false; error: string } {
    if (!this.active) return { ok: true, out: Buffer.alloc(0) };
    const h = this.init();
    if (!h.ok) return h;
    const rest = this.carry;
    this.carry = Buffer.alloc(0);
    const r = processDirectives(rest, h.handler);
    return r.ok ? { ok: true, out: r.out } : { ok: false, error: `build-id: ${r.error}` };
  }

  /** The whole body at once (update + finalize). */
  process(body: Buffer): { ok: true; out: Buffer } | { ok: false; error: string } {
    const a = this.update(body);
    if (!a.ok) return a;
    const b = this.finalize();
    return b.ok ? { ok: true, out: Buffer.concat([a.out, b.out]) } : b;
  }

  private init(): { ok: true; handler: DirectiveHandler } | { ok: false; error: string } {
    if (this.handler) return { ok: true, handler: this.handler };
    const h = buildIdHandler({ subMeta: this.subMeta, prevIds: new Map() });
    if (!h.ok) return { ok: false, error: `build-id: ${h.error}` };
    this.handler = h.handler;
    return h;
  }
}
