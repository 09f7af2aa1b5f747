import { applyJsonPatch } from '../../../src/publish/json-patch';

function patched(doc: unknown, ops: unknown[]): unknown {
  const r = applyJsonPatch(doc, ops);
  if (!r.ok) throw new Error(`unexpected failure: ${r.error.message}`);
  return r.value;
}

describe('applyJsonPatch', () => {
  it('applies add, remove, replace, move, copy and test', () => {
    const doc = { a: 1, list: [1, 2], o: { x: 'y' } };
    expect(
      patched(doc, [
        { op: 'add', path: '/b', value: 2 },
        { op: 'add', path: '/list/1', value: 9 },
        { op: 'add', path: '/list/-', value: 3 },
        { op: 'remove', path: '/a' },
        { op: 'replace', path: '/o/x', value: 'z' },
        { op: 'move', from: '/b', path: '/c' },
        { op: 'copy', from: '/o', path: '/p' },
        { op: 'test', path: '/list', value: [1, 9, 2, 3] },
      ]),
    ).toEqual({ list: [1, 9, 2, 3], o: { x: 'z' }, c: 2, p: { x: 'z' } });
    expect(doc).toEqual({ a: 1, list: [1, 2], o: { x: 'y' } });
  });

  it('fails the whole patch on a failed operation, with a coded error', () => {
    const r = applyJsonPatch({ a: 1 }, [{ op: 'add', path: '/b', value: 1 }, { op: 'remove', path: '/zz' }]);
    expect(r).toEqual({ ok: false, error: expect.objectContaining({ code: 'JSON_PATCH_FAILED', message: "patch operation 1: nothing to remove at '/zz'" }) });
  });

  // regression (found by test/fuzz/json-patch.test.ts): `parent[key] = value` set the prototype for "__proto__"
  it('adds a "__proto__" member as a plain member, never as the prototype', () => {
    const withObject = patched({}, [{ op: 'add', path: '/__proto__', value: { polluted: true } }]) as Record<string, unknown>;
    expect(Object.keys(withObject)).toEqual(['__proto__']);
    expect(withObject['polluted']).toBeUndefined();
    expect(JSON.stringify(withObject)).toBe('{"__proto__":{"polluted":true}}');
    const withNull = patched({ a: 1 }, [{ op: 'add', path: '/__proto__', value: null }]);
    expect(JSON.stringify(withNull)).toBe('{"a":1,"__proto__":null}');
    expect(patched({}, [{ op: 'add', path: '/__proto__', value: 1 }, { op: 'remove', path: '/__proto__' }])).toEqual({});
  });

  // regression (found by test/fuzz/json-patch.test.ts): a later operation wrote into the patch's own value,
  // so the second held request given the same published patch got a different body
  it('never changes the patch, so the same patch gives the same body every time', () => {
    const ops = [
      { op: 'add', path: '/list', value: [] },
      { op: 'add', path: '/list/-', value: 1 },
      { op: 'replace', path: '/o', value: {} },
      { op: 'add', path: '/o/k', value: 'v' },
    ];
    const before = JSON.stringify(ops);
    const first = patched({ o: null }, ops);
    expect(first).toEqual({ o: { k: 'v' }, list: [1] });
    expect(JSON.stringify(ops)).toBe(before);
    expect(patched({ o: null }, ops)).toEqual(first);
    const root = [{ op: 'replace', path: '', value: [] }, { op: 'add', path: '/-', value: 2 }];
    expect(patched({}, root)).toEqual([2]);
    expect(patched({}, root)).toEqual([2]);
  });

  // regression (found by test/fuzz/json-patch.test.ts): a test without a value passed on a missing path
  it('fails a test operation that has no value (RFC 6902 §4.6), like add and replace', () => {
    for (const op of ['test', 'add', 'replace']) {
      const r = applyJsonPatch({ a: 1 }, [{ op, path: '/missing' }]);
      expect(r.ok ? 'ok' : r.error.message).toBe('patch operation 0: missing value');
    }
  });
});
