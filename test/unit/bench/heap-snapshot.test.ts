import { diffHeapTallies, summarizeHeapSnapshots, tallyHeapSnapshot, type HeapTally, type SizeCount } from '../../../tools/bench/heap-snapshot';
import { buildSnapshot, connectionsHeap, NODE_FIELDS, type FixtureNode } from './heap-snapshot-fixture';

function tally(raw: unknown): HeapTally {
  const r = tallyHeapSnapshot(raw);
  if (!r.ok) throw r.error;
  return r.value;
}

const entries = (m: Map<string, SizeCount>): Record<string, SizeCount> => Object.fromEntries(m);

function errorOf(raw: unknown): { code: string; message: string } {
  const r = tallyHeapSnapshot(raw);
  if (r.ok) throw new Error('expected a failure');
  return { code: r.error.code, message: r.error.message };
}

describe('tallyHeapSnapshot: labels', () => {
  const list: FixtureNode[] = [
    { type: 'synthetic', name: '(GC roots)', size: 0 },
    { type: 'object', name: 'Socket', size: 264 },
    { type: 'object', name: 'Socket', size: 264 },
    { type: 'closure', name: 'onread', size: 32 },
    { type: 'closure', name: '', size: 32 },
    { type: 'closure', name: 'Socket', size: 56 },
    { type: 'native', name: 'Node / CleanupQueue', size: 24 },
    { type: 'synthetic', name: 'Node / TCPSocketWrap', size: 408 },
    { type: 'string', name: 'GET', size: 16 },
    { type: 'concatenated string', name: 'ab', size: 32 },
    { type: 'array', name: '(object elements)', size: 40 },
    { type: 'hidden', name: 'system / Map', size: 80 },
    { type: 'code', name: 'onread', size: 100 },
  ];
  const t = tally(buildSnapshot(list));

  it('names objects, native and synthetic nodes by constructor, closures as name(), the rest as (type)', () => {
    expect(entries(t.byName)).toEqual({
      '(GC roots)': { bytes: 0, count: 1 },
      Socket: { bytes: 528, count: 2 },
      'onread()': { bytes: 32, count: 1 },
      '(anonymous)()': { bytes: 32, count: 1 },
      'Socket()': { bytes: 56, count: 1 },
      'Node / CleanupQueue': { bytes: 24, count: 1 },
      'Node / TCPSocketWrap': { bytes: 408, count: 1 },
      '(string)': { bytes: 16, count: 1 },
      '(concatenated string)': { bytes: 32, count: 1 },
      '(array)': { bytes: 40, count: 1 },
      '(hidden)': { bytes: 80, count: 1 },
      '(code)': { bytes: 100, count: 1 },
    });
  });

  it('sums every self size (bytes) and counts nodes', () => {
    expect(t.totalBytes).toBe(list.reduce((sum, n) => sum + n.size, 0));
    expect(t.nodeCount).toBe(list.length);
  });

  it('reads fields by their position in meta.node_fields, not a fixed order', () => {
    const reordered = ['self_size', 'edge_count', 'name', 'detachedness', 'type', 'id', 'trace_node_id'];
    const other = tally(buildSnapshot(list, reordered));
    expect(entries(other.byName)).toEqual(entries(t.byName));
    expect(other.totalBytes).toBe(t.totalBytes);
  });

  it('copes with an empty snapshot', () => {
    const empty = tally(buildSnapshot([]));
    expect(empty.totalBytes).toBe(0);
    expect(empty.byName.size).toBe(0);
    expect(empty.backingByOwner.size).toBe(0);
  });
});

describe('tallyHeapSnapshot: backing stores by owner', () => {
  // 0 root, 1-2 Sockets in dictionary mode, 3-4 their property stores, 5 an Array, 6 its elements,
  // 7 a store of arrays, 8 an inner array, 9 a weakly held array, 10 a hidden-edge store, 11 a holder.
  const list: FixtureNode[] = [
    { type: 'synthetic', name: '(GC roots)', size: 0, edges: [['element', 1, 3], ['element', 2, 1], ['element', 3, 2], ['element', 4, 5], ['element', 5, 7]] },
    { type: 'object', name: 'Socket', size: 264, edges: [['internal', 'properties', 3], ['weak', 'cache', 4]] },
    { type: 'object', name: 'Socket', size: 264, edges: [['internal', 'properties', 4]] },
    { type: 'array', name: '(object properties)', size: 448 },
    { type: 'array', name: '(object properties)', size: 400 },
    { type: 'object', name: 'Array', size: 32, edges: [['internal', 'elements', 6]] },
    { type: 'array', name: '(object elements)', size: 96, edges: [['element', 0, 7]] },
    { type: 'array', name: '', size: 64, edges: [['element', 0, 8]] },
    { type: 'array', name: '', size: 16 },
    { type: 'array', name: '', size: 8 },
    { type: 'array', name: '', size: 12 },
    { type: 'object', name: 'Holder', size: 24, edges: [['weak', 'w', 9], ['hidden', 3, 10]] },
  ];
  const t = tally(buildSnapshot(list));

  it('groups array nodes by <owner constructor> .<edge name>, so dictionary-mode objects show up', () => {
    expect(t.backingByOwner.get('Socket .properties')).toEqual({ bytes: 848, count: 2 });
    expect(t.backingByOwner.get('Array .elements')).toEqual({ bytes: 96, count: 1 });
  });

  it('prefers an object owner over a synthetic root, and ignores weak retainers', () => {
    // Node 3 is also an element of (GC roots); node 4 is weakly held by Socket 1 and strongly by Socket 2.
    expect(t.backingByOwner.has('(GC roots) .[]')).toBe(false);
    expect(t.backingByOwner.get('(no strong retainer)')).toEqual({ bytes: 8, count: 1 });
  });

  it('labels element edges .[] (array owners as (array)) and hidden edges .(hidden)', () => {
    // Node 7 is held by the root (score 2) and by the elements store (score 1): the store wins.
    expect(t.backingByOwner.get('(array) .[]')).toEqual({ bytes: 80, count: 2 });
    expect(t.backingByOwner.get('Holder .(hidden)')).toEqual({ bytes: 12, count: 1 });
    const total = [...t.backingByOwner.values()].reduce((sum, sc) => sum + sc.bytes, 0);
    expect(total).toBe(448 + 400 + 96 + 64 + 16 + 8 + 12);
  });
});

describe('tallyHeapSnapshot: bound functions', () => {
  it('counts native_bind closures by their bound_function target', () => {
    const t = tally(connectionsHeap(3));
    expect(entries(t.boundByTarget)).toEqual({ 'onwrite()': { bytes: 144, count: 3 } });
  });

  it('ignores element/hidden edges whose index happens to point at "bound_function", and says (unknown)', () => {
    const list: FixtureNode[] = [
      { type: 'closure', name: 'bound_function', size: 8 }, // puts "bound_function" at strings[1]
      { type: 'closure', name: 'native_bind', size: 48, edges: [['element', 1, 0], ['hidden', 1, 0]] },
      { type: 'object', name: 'native_bind', size: 16 }, // not a closure: not a bound function
    ];
    const t = tally(buildSnapshot(list));
    expect(entries(t.boundByTarget)).toEqual({ '(unknown)': { bytes: 48, count: 1 } });
  });
});

describe('diffHeapTallies / summarizeHeapSnapshots', () => {
  const before = connectionsHeap(10);
  const after = connectionsHeap(110);

  it('reports the heap delta and each table per connection (bytes, objects)', () => {
    const r = summarizeHeapSnapshots(before, after, 100);
    if (!r.ok) throw r.error;
    const s = r.value;
    expect(s.n).toBe(100);
    expect(s.totalBytesPerConn).toBe(264 + 448 + 48 + 24 + 408);
    expect(s.byName).toEqual([
      { name: '(array)', bytesPerConn: 472, objectsPerConn: 2 },
      { name: 'Node / TCPSocketWrap', bytesPerConn: 408, objectsPerConn: 1 },
      { name: 'Socket', bytesPerConn: 264, objectsPerConn: 1 },
      { name: 'native_bind()', bytesPerConn: 48, objectsPerConn: 1 },
    ]);
    expect(s.backingByOwner).toEqual([
      { name: 'Socket .properties', bytesPerConn: 448, objectsPerConn: 1 },
      { name: 'native_bind() .bindings', bytesPerConn: 24, objectsPerConn: 1 },
    ]);
    expect(s.boundByTarget).toEqual([{ name: 'onwrite()', bytesPerConn: 48, objectsPerConn: 1 }]);
    expect(s.before).toEqual({ bytes: 52 + 10 * 1192, count: 3 + 10 * 5 });
  });

  it('drops unchanged labels, keeps shrinking ones last, and cuts each table at top', () => {
    const b = tally(buildSnapshot([{ type: 'object', name: 'Gone', size: 500 }, { type: 'object', name: 'Same', size: 7 }]));
    const a = tally(connectionsHeap(2));
    a.byName.set('Same', { bytes: 7, count: 1 });
    const s = diffHeapTallies(b, a, 2, 25);
    expect(s.byName.map((r) => r.name)).not.toContain('Same');
    expect(s.byName[s.byName.length - 1]).toEqual({ name: 'Gone', bytesPerConn: -250, objectsPerConn: -0.5 });
    expect(diffHeapTallies(b, a, 2, 2).byName).toHaveLength(2);
    expect(diffHeapTallies(b, a, 2, 2).backingByOwner).toHaveLength(2);
  });

  it('rejects a non-positive or fractional n, and says which snapshot is bad', () => {
    const zero = summarizeHeapSnapshots(before, after, 0);
    expect(!zero.ok && zero.error.code).toBe('BENCH_ARG_RANGE');
    expect(summarizeHeapSnapshots(before, after, 1.5).ok).toBe(false);
    const bad = summarizeHeapSnapshots(before, { snapshot: {} }, 1);
    expect(!bad.ok && bad.error.message).toMatch(/^after: .*snapshot\.meta/);
    const badBefore = summarizeHeapSnapshots(null, after, 1);
    expect(!badBefore.ok && badBefore.error.message).toMatch(/^before: /);
  });
});

describe('tallyHeapSnapshot: bad input', () => {
  const good = (): ReturnType<typeof buildSnapshot> =>
    buildSnapshot([
      { type: 'object', name: 'A', size: 8, edges: [['property', 'b', 1]] },
      { type: 'array', name: '', size: 16 },
    ]);

  it('accepts the unmodified fixture', () => {
    expect(tallyHeapSnapshot(good()).ok).toBe(true);
  });

  it.each([
    ['not an object', [], /must be a JSON object/],
    ['no snapshot.meta', { snapshot: {}, nodes: [], edges: [], strings: [] }, /no snapshot\.meta/],
  ])('fails on %s', (_what, raw, message) => {
    expect(errorOf(raw)).toEqual({ code: 'BENCH_SNAPSHOT_INVALID', message: expect.stringMatching(message) as unknown });
  });

  it('names a missing node or edge field', () => {
    const s = good();
    s.snapshot.meta.node_fields = NODE_FIELDS.filter((f) => f !== 'self_size');
    expect(errorOf(s).message).toBe('snapshot.meta.node_fields has no "self_size" (fields: type, name, id, edge_count, trace_node_id, detachedness)');
    const e = good();
    e.snapshot.meta.edge_fields = ['type', 'name_or_index'];
    expect(errorOf(e).message).toMatch(/edge_fields has no "to_node"/);
  });

  it('fails on malformed meta, arrays and strings', () => {
    const mutations: Array<[(s: ReturnType<typeof good>) => void, RegExp]> = [
      [(s) => ((s.snapshot.meta as Record<string, unknown>)['node_fields'] = undefined), /node_fields must be an array of strings/],
      [(s) => (s.snapshot.meta.node_types = ['hidden']), /node_types\[0\] must be an array of type names/],
      [(s) => (s.snapshot.meta.edge_types = []), /edge_types\[0\]/],
      [(s) => ((s as unknown as Record<string, unknown>)['nodes'] = 'x'), /no "nodes" array/],
      [(s) => ((s as unknown as Record<string, unknown>)['strings'] = [1]), /"strings" must be an array of strings/],
      [(s) => s.nodes.push(0), /not a multiple of 7 node fields/],
      [(s) => s.edges.push(0), /not a multiple of 3 edge fields/],
      [(s) => (s.snapshot.node_count = 5), /node_count is 5 but nodes holds 2/],
      [(s) => (s.nodes[0] = 99), /node 0: type 99 is out of range/],
      [(s) => (s.nodes[1] = 1000), /node 0: name 1000 is out of range/],
      [(s) => (s.nodes[3] = -1), /node 0: self_size -1 is out of range/],
      [(s) => (s.nodes[4] = 2), /node 0: edge_count 2 is out of range/],
      [(s) => (s.nodes[4] = 0), /edge_count add up to 0 but edges holds 1/],
      [(s) => (s.edges[2] = 8), /node 0: edge 0 to_node 8 is out of range/],
      [(s) => (s.edges[2] = 14), /to_node 14 is out of range/],
    ];
    for (const [mutate, message] of mutations) {
      const s = good();
      mutate(s);
      const r = tallyHeapSnapshot(s);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('BENCH_SNAPSHOT_INVALID');
        expect(r.error.message).toMatch(message);
      }
    }
  });
});
