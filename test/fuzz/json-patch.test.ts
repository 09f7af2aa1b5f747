/**
 * Properties of `applyJsonPatch` (RFC 6902, used for `body-patch` items): it never throws and never
 * changes its input, failures are `JSON_PATCH_FAILED`, and `add`, `remove`, `replace` and `test` do what
 * the RFC says at any pointer of a random document, including keys such as `__proto__`, `~` and `/`.
 */
import * as fc from 'fast-check';
import { applyJsonPatch } from '../../src/publish/json-patch';
import { check, noThrow, runs } from './fuzz-settings';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Keys a pointer must escape or an object must keep as plain members. */
const KEY = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('a', 'b', '0', '1', '-', '', '~', '/', 'a~1b', '~0', '__proto__', 'constructor', 'toString') },
  { weight: 1, arbitrary: fc.string({ maxLength: 4 }) },
);

function object(entries: Array<[string, Json]>): { [key: string]: Json } {
  const o: { [key: string]: Json } = {};
  // defineProperty, as JSON.parse does, so that "__proto__" is a member and not the prototype
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

const { json } = fc.letrec<{ json: Json }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(null, true, false, 0, 1, -2.5, '', 'x'),
    fc.array(tie('json'), { maxLength: 4 }),
    fc.array(fc.tuple(KEY, tie('json')), { maxLength: 4 }).map(object),
  ),
}));

function escapeToken(t: string): string {
  return t.replace(/~/g, '~0').replace(/\//g, '~1');
}

function pointer(tokens: string[]): string {
  return tokens.map((t) => `/${escapeToken(t)}`).join('');
}

function isObject(v: Json | undefined): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * True for an object whose prototype is a realm's `Object.prototype` (the patch clones with
 * `structuredClone`, whose objects come from Node's realm, not jest's): not an object whose prototype an
 * `add` of `__proto__` replaced.
 */
function isPlainObject(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v) as object | null;
  return proto !== null && Object.getPrototypeOf(proto) === null && Object.hasOwn(proto, 'hasOwnProperty');
}

/** The paths of every value in `doc` (the root is `[]`). */
function paths(doc: Json, prefix: string[] = []): string[][] {
  const out = [prefix];
  if (Array.isArray(doc)) doc.forEach((v, i) => out.push(...paths(v, [...prefix, String(i)])));
  else if (isObject(doc)) for (const k of Object.keys(doc)) out.push(...paths(doc[k] as Json, [...prefix, k]));
  return out;
}

/** The reference reader: own members only. */
function at(doc: Json, tokens: string[]): Json | undefined {
  let node: Json | undefined = doc;
  for (const t of tokens) {
    if (Array.isArray(node)) node = /^(0|[1-9][0-9]*)$/.test(t) ? node[Number(t)] : undefined;
    else if (isObject(node)) node = Object.hasOwn(node, t) ? node[t] : undefined;
    else return undefined;
  }
  return node;
}

/** A document with a chosen path in it (the root, or any value's path). */
const docAndPath = json.chain((doc) => fc.constantFrom(...paths(doc)).map((path) => ({ doc, path })));
/** A document with a chosen container in it. */
const docAndContainer = json
  .filter((d) => typeof d === 'object' && d !== null)
  .chain((doc) => {
    const containers = paths(doc).filter((p) => {
      const v = at(doc, p);
      return typeof v === 'object' && v !== null;
    });
    return fc.constantFrom(...containers).map((path) => ({ doc, path }));
  });

function applied(doc: Json, ops: unknown[]): Json {
  const r = applyJsonPatch(doc, ops);
  if (!r.ok) throw new Error(`patch failed: ${r.error.message}`);
  return r.value as Json;
}

describe('applyJsonPatch (fuzz)', () => {
  it('never throws on random operations, fails only with JSON_PATCH_FAILED, and changes neither input', () => {
    const op = (doc: Json): fc.Arbitrary<unknown> => {
      const ptr = fc.oneof(
        fc.constantFrom(...paths(doc)).map(pointer),
        fc.constantFrom('', '/', 'x', '/-', '/0/-', '/~2', '/a/b/c'),
        fc.string({ maxLength: 5 }),
      );
      return fc.oneof(
        fc.record(
          { op: fc.constantFrom('add', 'remove', 'replace', 'move', 'copy', 'test', 'nope'), path: ptr, from: ptr, value: json },
          { requiredKeys: ['op', 'path'] },
        ),
        fc.constantFrom(null, 1, 'add', [], {}, { op: 'add' }, { op: 1, path: '' }, { path: '/a' }),
      );
    };
    fc.assert(
      fc.property(json.chain((doc) => fc.tuple(fc.constant(doc), fc.array(op(doc), { maxLength: 5 }))), ([doc, ops]) => {
        const before = JSON.stringify(doc);
        const opsBefore = JSON.stringify(ops);
        const r = noThrow(() => applyJsonPatch(doc, ops));
        if (!r.ok) check(r.error.code === 'JSON_PATCH_FAILED' && r.error.message !== '', `bad error ${r.error.code}: ${r.error.message}`);
        check(JSON.stringify(doc) === before, 'the input document was changed');
        // one published patch is applied for every held request: it must not change either
        check(JSON.stringify(ops) === opsBefore, 'the patch operations were changed');
      }),
      runs(700),
    );
  });

  it('changes neither the patch nor its values when a later operation writes inside an earlier value', () => {
    const container = json.filter((v) => typeof v === 'object' && v !== null);
    fc.assert(
      fc.property(json, KEY, container, KEY, json, fc.boolean(), (doc, key, generated, innerKey, innerValue, atRoot) => {
        const value = JSON.parse(JSON.stringify(generated)) as Json; // never hand fast-check's own value over
        const inner = Array.isArray(value) ? '-' : innerKey;
        const ops = atRoot
          ? [{ op: 'replace', path: '', value }, { op: 'add', path: pointer([inner]), value: innerValue }]
          : [{ op: 'add', path: pointer([key]), value }, { op: 'add', path: pointer([key, inner]), value: innerValue }];
        const opsBefore = JSON.stringify(ops);
        const first = noThrow(() => applyJsonPatch(doc, ops));
        expect(JSON.stringify(ops)).toBe(opsBefore);
        // the same published patch applied for a second held request gives the same document
        expect(noThrow(() => applyJsonPatch(doc, ops))).toEqual(first);
      }),
      runs(350),
    );
  });

  it('add puts the value at a new or existing object member, and changes nothing else', () => {
    fc.assert(
      fc.property(docAndContainer, KEY, json, ({ doc, path }, key, value) => {
        const parent = at(doc, path);
        const token = Array.isArray(parent) ? '-' : key;
        const out = applied(doc, [{ op: 'add', path: pointer([...path, token]), value }]);
        const index = Array.isArray(parent) ? String(parent.length) : key;
        expect(at(out, [...path, index])).toEqual(value);
        const container = at(out, path);
        expect(Array.isArray(container) || isPlainObject(container)).toBe(true);
        // the other members are unchanged
        const rest = (v: Json | undefined): unknown => {
          if (Array.isArray(v)) return v.slice(0, (parent as Json[]).length);
          return isObject(v) ? Object.keys(v).filter((k) => k !== key).map((k) => [k, v[k]]) : v;
        };
        expect(rest(container)).toEqual(rest(parent));
      }),
      runs(500),
    );
  });

  it('add of a new object member then remove of it gives the document back', () => {
    fc.assert(
      fc.property(docAndContainer, KEY, json, ({ doc, path }, key, value) => {
        const parent = at(doc, path);
        if (!isObject(parent) || Object.hasOwn(parent, key)) return;
        const p = pointer([...path, key]);
        expect(applied(doc, [{ op: 'add', path: p, value }, { op: 'remove', path: p }])).toEqual(doc);
      }),
      runs(400),
    );
  });

  it('replace sets an existing value; remove takes it out; test agrees with what is there', () => {
    fc.assert(
      fc.property(docAndPath, json, ({ doc, path }, value) => {
        const p = pointer(path);
        const old = at(doc, path) as Json;
        expect(applied(doc, [{ op: 'test', path: p, value: old }])).toEqual(doc);
        const replaced = applied(doc, [{ op: 'replace', path: p, value }]);
        expect(at(replaced, path)).toEqual(value);
        if (path.length === 0) return;
        const removed = applyJsonPatch(doc, [{ op: 'remove', path: p }]);
        expect(removed.ok).toBe(true);
        const parentPath = path.slice(0, -1);
        const before = at(doc, parentPath);
        const after = removed.ok ? at(removed.value as Json, parentPath) : undefined;
        if (Array.isArray(before)) expect((after as Json[]).length).toBe(before.length - 1);
        else expect(Object.hasOwn(after as object, path[path.length - 1] as string)).toBe(false);
      }),
      runs(500),
    );
  });

  it('fails, without throwing, on a pointer that names nothing', () => {
    fc.assert(
      fc.property(docAndPath, KEY, fc.constantFrom('remove', 'replace', 'test'), ({ doc, path }, key, op) => {
        const tokens = [...path, key, 'deeper'];
        if (at(doc, tokens) !== undefined) return;
        const r = noThrow(() => applyJsonPatch(doc, [{ op, path: pointer(tokens), value: 1 }]));
        expect(r.ok).toBe(false);
      }),
      runs(350),
    );
  });

  it('fails an add, replace or test without a value, wherever it points', () => {
    fc.assert(
      fc.property(docAndPath, KEY, fc.constantFrom('add', 'replace', 'test'), fc.boolean(), ({ doc, path }, key, op, deeper) => {
        const r = noThrow(() => applyJsonPatch(doc, [{ op, path: pointer(deeper ? [...path, key] : path) }]));
        expect(r.ok).toBe(false);
      }),
      runs(250),
    );
  });
});
