import { fail, ok, type Result } from '../core/errors';

/**
 * RFC 6902 JSON Patch, for `body-patch` in `http-response` items: applied to a copy of the document;
 * any failed operation (or `test`) fails the whole patch.
 */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Container = Json[] | { [key: string]: Json };

function parsePointer(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function isContainer(v: Json | undefined): v is Container {
  return typeof v === 'object' && v !== null;
}

function resolveParent(doc: Json, tokens: string[]): { parent: Container; key: string } | undefined {
  let node: Json | undefined = doc;
  for (let i = 0; i < tokens.length - 1; i++) {
    if (!isContainer(node)) return undefined;
    const t = tokens[i] as string;
    node = Array.isArray(node) ? node[arrayIndex(t, node.length - 1) ?? -1] : Object.prototype.hasOwnProperty.call(node, t) ? node[t] : undefined;
  }
  if (!isContainer(node)) return undefined;
  return { parent: node, key: tokens[tokens.length - 1] as string };
}

function arrayIndex(token: string, max: number): number | undefined {
  if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
  const i = Number(token);
  return i <= max ? i : undefined;
}

function get(doc: Json, tokens: string[]): Json | undefined {
  if (tokens.length === 0) return doc;
  const p = resolveParent(doc, tokens);
  if (!p) return undefined;
  if (Array.isArray(p.parent)) {
    const i = arrayIndex(p.key, p.parent.length - 1);
    return i === undefined ? undefined : p.parent[i];
  }
  return Object.prototype.hasOwnProperty.call(p.parent, p.key) ? p.parent[p.key] : undefined;
}

function remove(doc: Json, tokens: string[]): Json | undefined {
  const p = resolveParent(doc, tokens);
  if (!p || tokens.length === 0) return undefined;
  if (Array.isArray(p.parent)) {
    const i = arrayIndex(p.key, p.parent.length - 1);
    if (i === undefined) return undefined;
    return p.parent.splice(i, 1)[0];
  }
  if (!Object.prototype.hasOwnProperty.call(p.parent, p.key)) return undefined;
  const value = p.parent[p.key];
  delete p.parent[p.key];
  return value;
}

function add(doc: Json, tokens: string[], value: Json): Json | undefined {
  if (tokens.length === 0) return value;
  const p = resolveParent(doc, tokens);
  if (!p) return undefined;
  if (Array.isArray(p.parent)) {
    const i = p.key === '-' ? p.parent.length : arrayIndex(p.key, p.parent.length);
    if (i === undefined) return undefined;
    p.parent.splice(i, 0, value);
  } else {
    // defineProperty, as JSON.parse does: a plain `parent[key] = value` with the key "__proto__" would set
    // the object's prototype (or do nothing for a non-object value) instead of adding a member
    Object.defineProperty(p.parent, p.key, { value, enumerable: true, writable: true, configurable: true });
  }
  return doc;
}

/** Replaces in place, so an object's key order is kept. */
function replace(doc: Json, tokens: string[], value: Json): Json | undefined {
  const p = resolveParent(doc, tokens);
  if (!p) return undefined;
  if (Array.isArray(p.parent)) {
    const i = arrayIndex(p.key, p.parent.length - 1);
    if (i === undefined) return undefined;
    p.parent[i] = value;
  } else {
    if (!Object.prototype.hasOwnProperty.call(p.parent, p.key)) return undefined;
    p.parent[p.key] = value;
  }
  return doc;
}

function deepEqual(a: Json | undefined, b: Json | undefined): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: Json | undefined): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (isContainer(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  return v;
}

/**
 * A copy of an operation's value for the document: later operations may write inside it, and one published
 * patch is applied for every held request, so the patch itself must never change.
 */
function copyOf(value: unknown): Json {
  return structuredClone(value) as Json;
}

/**
 * Applies `ops` to `document` and returns the new document, or a coded error naming the failed operation.
 * Neither `document` nor `ops` is changed.
 */
export function applyJsonPatch(document: unknown, ops: readonly unknown[]): Result<unknown> {
  let doc = structuredClone(document) as Json;
  for (let n = 0; n < ops.length; n++) {
    const op = ops[n] as Record<string, unknown> | null;
    const bad = (why: string): Result<unknown> => fail('JSON_PATCH_FAILED', `patch operation ${n}: ${why}`);
    if (typeof op !== 'object' || op === null || typeof op.op !== 'string' || typeof op.path !== 'string') {
      return bad('not an object with string "op" and "path"');
    }
    const path = parsePointer(op.path);
    if (!path) return bad(`invalid path '${op.path}'`);
    const from = typeof op.from === 'string' ? parsePointer(op.from) : undefined;
    let result: Json | undefined;
    switch (op.op) {
      case 'add':
        if (!('value' in op)) return bad('missing value');
        result = add(doc, path, copyOf(op.value));
        break;
      case 'remove':
        if (remove(doc, path) === undefined) return bad(`nothing to remove at '${op.path}'`);
        result = path.length === 0 ? undefined : doc;
        break;
      case 'replace':
        if (!('value' in op)) return bad('missing value');
        if (path.length === 0) {
          result = copyOf(op.value);
          break;
        }
        result = replace(doc, path, copyOf(op.value));
        if (result === undefined) return bad(`nothing to replace at '${op.path}'`);
        break;
      case 'move': {
        if (!from) return bad('missing or invalid from');
        const value = remove(doc, from);
        if (value === undefined) return bad(`nothing to move at '${String(op.from)}'`);
        result = add(doc, path, value);
        break;
      }
      case 'copy': {
        if (!from) return bad('missing or invalid from');
        const value = get(doc, from);
        if (value === undefined) return bad(`nothing to copy at '${String(op.from)}'`);
        result = add(doc, path, structuredClone(value));
        break;
      }
      case 'test':
        if (!('value' in op)) return bad('missing value');
        if (!deepEqual(get(doc, path), op.value as Json)) return bad(`test failed at '${op.path}'`);
        result = doc;
        break;
      default:
        return bad(`unknown op '${op.op}'`);
    }
    if (result === undefined) return bad(`cannot apply at '${op.path}'`);
    doc = result;
  }
  return ok(doc);
}
