/**
 * Where the memory of held connections goes, from two V8 heap snapshots (`.heapsnapshot` JSON, e.g. from
 * `node --heapsnapshot-signal=SIGUSR2`): one taken before N connections were opened, one while they are held.
 * Pure: the caller reads and parses the files. Each snapshot is walked once with index loops over its flat
 * `nodes`/`edges` arrays; per-node work allocates nothing, only one accumulator per distinct name.
 */
import { fail, ok, type Result } from '../../src/core/errors';

/** The parts of a `.heapsnapshot` file this module reads (after `JSON.parse`). */
export interface HeapSnapshotFile {
  snapshot: {
    meta: {
      /** e.g. type, name, id, self_size, edge_count, trace_node_id, detachedness. */
      node_fields: string[];
      /** `node_types[0]` lists the node type names, indexed by a node's `type` field. */
      node_types: unknown[];
      /** e.g. type, name_or_index, to_node. */
      edge_fields: string[];
      /** `edge_types[0]` lists the edge type names. */
      edge_types: unknown[];
    };
    node_count?: number;
    edge_count?: number;
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** A total: bytes (sum of V8 `self_size`) and how many nodes made it. */
export interface SizeCount {
  bytes: number;
  count: number;
}

/** One snapshot summed up by label. */
export interface HeapTally {
  /** Sum of every node's self size, bytes. */
  totalBytes: number;
  nodeCount: number;
  /** By constructor name (object, native, synthetic), `name()` (closure) or `(type)` (everything else). */
  byName: Map<string, SizeCount>;
  /** Nodes of type `array` (property/element backing stores) by `<owner label> .<edge name>` of their retainer. */
  backingByOwner: Map<string, SizeCount>;
  /** Bound functions (`native_bind`) by the label of their `bound_function` target; bytes are the binds' own. */
  boundByTarget: Map<string, SizeCount>;
}

/** One line of a per-connection table. */
export interface HeapDeltaRow {
  name: string;
  /** Change in retained self size between the snapshots, divided by N, bytes. */
  bytesPerConn: number;
  /** Change in node count, divided by N. */
  objectsPerConn: number;
}

/** The difference of two tallies, per connection, largest growth first. */
export interface HeapDeltaSummary {
  n: number;
  /** (after − before) total self size / N, bytes. */
  totalBytesPerConn: number;
  before: SizeCount;
  after: SizeCount;
  byName: HeapDeltaRow[];
  backingByOwner: HeapDeltaRow[];
  boundByTarget: HeapDeltaRow[];
}

const CODE = 'BENCH_SNAPSHOT_INVALID';
const REQUIRED_NODE_FIELDS = ['type', 'name', 'self_size', 'edge_count'] as const;
const REQUIRED_EDGE_FIELDS = ['type', 'name_or_index', 'to_node'] as const;
/**
 * Node types labelled by their name (the constructor name) rather than `(type)`. `synthetic` is among them
 * because Node's embedder graph reports its C++ wrappers as sized synthetic nodes (`Node / TCPSocketWrap`);
 * V8's own synthetic roots have self size 0.
 */
const NAMED_TYPES = new Set(['object', 'native', 'closure', 'synthetic']);
/** Owner priority when an array node has several strong retainers: JS objects first, synthetic roots last. */
const OWNER_SCORE_NONE = 255;

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validated view of a snapshot's layout: field offsets and type indexes. */
interface Layout {
  file: HeapSnapshotFile;
  nodeFields: number;
  edgeFields: number;
  typeOff: number;
  nameOff: number;
  sizeOff: number;
  edgeCountOff: number;
  edgeTypeOff: number;
  edgeNameOff: number;
  edgeToOff: number;
  nodeTypes: string[];
  edgeTypes: string[];
  /** Edge types whose name_or_index is an index, not a string (−1 when absent). */
  elementEdge: number;
  hiddenEdge: number;
}

function fieldIndexes(kind: string, fields: string[], required: readonly string[]): Result<number[]> {
  const offsets: number[] = [];
  for (const name of required) {
    const i = fields.indexOf(name);
    if (i < 0) return fail(CODE, `snapshot.meta.${kind} has no "${name}" (fields: ${fields.join(', ')})`);
    offsets.push(i);
  }
  return ok(offsets);
}

function decodeLayout(raw: unknown): Result<Layout> {
  if (!isRecord(raw)) return fail(CODE, 'a heap snapshot must be a JSON object');
  const snapshot = raw['snapshot'];
  if (!isRecord(snapshot) || !isRecord(snapshot['meta'])) return fail(CODE, 'heap snapshot has no snapshot.meta');
  const meta = snapshot['meta'];
  for (const key of ['node_fields', 'edge_fields'] as const) {
    if (!isStringArray(meta[key])) return fail(CODE, `snapshot.meta.${key} must be an array of strings`);
  }
  for (const key of ['node_types', 'edge_types'] as const) {
    const types = meta[key];
    if (!Array.isArray(types) || !isStringArray(types[0])) return fail(CODE, `snapshot.meta.${key}[0] must be an array of type names`);
  }
  for (const key of ['nodes', 'edges'] as const) {
    if (!Array.isArray(raw[key])) return fail(CODE, `heap snapshot has no "${key}" array`);
  }
  if (!isStringArray(raw['strings'])) return fail(CODE, 'heap snapshot "strings" must be an array of strings');
  const file = raw as unknown as HeapSnapshotFile;
  const nodeFieldNames = file.snapshot.meta.node_fields;
  const edgeFieldNames = file.snapshot.meta.edge_fields;
  const nodeOffsets = fieldIndexes('node_fields', nodeFieldNames, REQUIRED_NODE_FIELDS);
  if (!nodeOffsets.ok) return nodeOffsets;
  const edgeOffsets = fieldIndexes('edge_fields', edgeFieldNames, REQUIRED_EDGE_FIELDS);
  if (!edgeOffsets.ok) return edgeOffsets;
  const [typeOff, nameOff, sizeOff, edgeCountOff] = nodeOffsets.value as [number, number, number, number];
  const [edgeTypeOff, edgeNameOff, edgeToOff] = edgeOffsets.value as [number, number, number];
  const nodeFields = nodeFieldNames.length;
  const edgeFields = edgeFieldNames.length;
  if (file.nodes.length % nodeFields !== 0) {
    return fail(CODE, `nodes has ${file.nodes.length} numbers, not a multiple of ${nodeFields} node fields`);
  }
  if (file.edges.length % edgeFields !== 0) {
    return fail(CODE, `edges has ${file.edges.length} numbers, not a multiple of ${edgeFields} edge fields`);
  }
  const declared = file.snapshot.node_count;
  if (typeof declared === 'number' && declared !== file.nodes.length / nodeFields) {
    return fail(CODE, `snapshot.node_count is ${declared} but nodes holds ${file.nodes.length / nodeFields}`);
  }
  const nodeTypes = file.snapshot.meta.node_types[0] as string[];
  const edgeTypes = file.snapshot.meta.edge_types[0] as string[];
  const elementEdge = edgeTypes.indexOf('element');
  const hiddenEdge = edgeTypes.indexOf('hidden');
  return ok({ file, nodeFields, edgeFields, typeOff, nameOff, sizeOff, edgeCountOff, edgeTypeOff, edgeNameOff, edgeToOff, nodeTypes, edgeTypes, elementEdge, hiddenEdge });
}

/**
 * Integer key of a node's label, so that the walk allocates no strings: `2·name` (object, native, synthetic),
 * `2·name + 1` (closure), `−1 − type` (any other type). {@link labelOf} turns a key back into text.
 */
function labelKey(typeIndex: number, nameIndex: number, namedKind: Int8Array): number {
  const kind = namedKind[typeIndex] ?? 0;
  if (kind === 0) return -1 - typeIndex;
  return 2 * nameIndex + (kind === 2 ? 1 : 0);
}

function labelOf(key: number, layout: Layout): string {
  if (key < 0) return `(${layout.nodeTypes[-1 - key] ?? 'unknown'})`;
  const name = layout.file.strings[key >> 1] ?? '';
  if ((key & 1) === 1) return `${name === '' ? '(anonymous)' : name}()`;
  return name === '' ? '(anonymous)' : name;
}

function bump<K>(map: Map<K, SizeCount>, key: K, bytes: number, count = 1): void {
  const entry = map.get(key);
  if (entry) {
    entry.bytes += bytes;
    entry.count += count;
  } else map.set(key, { bytes, count });
}

function badNumber(what: string, node: number, value: unknown): Result<never> {
  return fail(CODE, `node ${node}: ${what} ${JSON.stringify(value)} is out of range`);
}

/**
 * Sums one parsed snapshot by label, by backing-store owner and by bound-function target. Fails with
 * `BENCH_SNAPSHOT_INVALID` when `meta` lacks a needed field or the arrays do not match their layout.
 */
export function tallyHeapSnapshot(raw: unknown): Result<HeapTally> {
  const decoded = decodeLayout(raw);
  if (!decoded.ok) return decoded;
  const L = decoded.value;
  const { nodes, edges, strings } = L.file;
  const nodeCount = nodes.length / L.nodeFields;
  const edgeCount = edges.length / L.edgeFields;
  const namedKind = new Int8Array(L.nodeTypes.length);
  L.nodeTypes.forEach((t, i) => (namedKind[i] = NAMED_TYPES.has(t) ? (t === 'closure' ? 2 : 1) : 0));
  const arrayType = L.nodeTypes.indexOf('array');
  const closureType = L.nodeTypes.indexOf('closure');
  const syntheticType = L.nodeTypes.indexOf('synthetic');
  const weakEdge = L.edgeTypes.indexOf('weak');

  const byKey = new Map<number, SizeCount>();
  // For each array node: its chosen retainer (node ordinal, edge offset) and that retainer's score.
  const ownerNode = new Int32Array(arrayType >= 0 ? nodeCount : 0).fill(-1);
  const ownerEdge = new Int32Array(ownerNode.length);
  const ownerScore = new Uint8Array(ownerNode.length).fill(OWNER_SCORE_NONE);
  /** Pairs (ordinal, first edge index) of the bound functions. */
  const boundNodes: number[] = [];
  let totalBytes = 0;
  let edgeCursor = 0;
  for (let k = 0, n = 0; n < nodeCount; n++, k += L.nodeFields) {
    const type = nodes[k + L.typeOff] as number;
    const name = nodes[k + L.nameOff] as number;
    const size = nodes[k + L.sizeOff] as number;
    const ownEdges = nodes[k + L.edgeCountOff] as number;
    if (!(type >= 0 && type < L.nodeTypes.length && Number.isInteger(type))) return badNumber('type', n, type);
    if (!(name >= 0 && name < strings.length && Number.isInteger(name))) return badNumber('name', n, name);
    if (!(size >= 0 && Number.isFinite(size))) return badNumber('self_size', n, size);
    if (!(ownEdges >= 0 && Number.isInteger(ownEdges) && edgeCursor + ownEdges <= edgeCount)) {
      return badNumber('edge_count', n, ownEdges);
    }
    totalBytes += size;
    bump(byKey, labelKey(type, name, namedKind), size);
    if (type === closureType && strings[name] === 'native_bind') boundNodes.push(n, edgeCursor);
    if (arrayType >= 0) {
      const score = type === syntheticType ? 2 : namedKind[type] !== 0 ? 0 : 1;
      for (let e = edgeCursor * L.edgeFields, end = (edgeCursor + ownEdges) * L.edgeFields; e < end; e += L.edgeFields) {
        const to = edges[e + L.edgeToOff] as number;
        if (!(to >= 0 && to < nodes.length && to % L.nodeFields === 0)) return badNumber(`edge ${e / L.edgeFields} to_node`, n, to);
        if (edges[e + L.edgeTypeOff] === weakEdge || nodes[to + L.typeOff] !== arrayType) continue;
        const target = to / L.nodeFields;
        if (score < (ownerScore[target] as number)) {
          ownerScore[target] = score;
          ownerNode[target] = n;
          ownerEdge[target] = e;
        }
      }
    }
    edgeCursor += ownEdges;
  }
  if (edgeCursor !== edgeCount) return fail(CODE, `the nodes' edge_count add up to ${edgeCursor} but edges holds ${edgeCount}`);

  const byName = new Map<string, SizeCount>();
  for (const [key, sc] of byKey) bump(byName, labelOf(key, L), sc.bytes, sc.count);
  return ok({
    totalBytes,
    nodeCount,
    byName,
    backingByOwner: tallyOwners(L, arrayType, ownerNode, ownerEdge, namedKind),
    boundByTarget: tallyBound(L, boundNodes, namedKind),
  });
}

function nodeLabelKey(L: Layout, ordinal: number, namedKind: Int8Array): number {
  const k = ordinal * L.nodeFields;
  return labelKey(L.file.nodes[k + L.typeOff] as number, L.file.nodes[k + L.nameOff] as number, namedKind);
}

/** Array nodes grouped by (owner label key, edge name key); the edge key is the string index, −1 element, −2 hidden. */
function tallyOwners(
  L: Layout,
  arrayType: number,
  ownerNode: Int32Array,
  ownerEdge: Int32Array,
  namedKind: Int8Array,
): Map<string, SizeCount> {
  const { nodes, edges, strings } = L.file;
  const grouped = new Map<number, Map<number, SizeCount>>();
  const orphans: SizeCount = { bytes: 0, count: 0 };
  for (let n = 0; n < ownerNode.length; n++) {
    const k = n * L.nodeFields;
    if (nodes[k + L.typeOff] !== arrayType) continue;
    const size = nodes[k + L.sizeOff] as number;
    const owner = ownerNode[n] as number;
    if (owner < 0) {
      orphans.bytes += size;
      orphans.count += 1;
      continue;
    }
    const e = ownerEdge[n] as number;
    const edgeType = edges[e + L.edgeTypeOff];
    const edgeKey = edgeType === L.elementEdge ? -1 : edgeType === L.hiddenEdge ? -2 : (edges[e + L.edgeNameOff] as number);
    const ownerKey = nodeLabelKey(L, owner, namedKind);
    let inner = grouped.get(ownerKey);
    if (!inner) grouped.set(ownerKey, (inner = new Map()));
    bump(inner, edgeKey, size);
  }
  const out = new Map<string, SizeCount>();
  for (const [ownerKey, inner] of grouped) {
    const owner = labelOf(ownerKey, L);
    for (const [edgeKey, sc] of inner) {
      const edge = edgeKey === -1 ? '[]' : edgeKey === -2 ? '(hidden)' : (strings[edgeKey] ?? `${edgeKey}`);
      bump(out, `${owner} .${edge}`, sc.bytes, sc.count);
    }
  }
  if (orphans.count > 0) out.set('(no strong retainer)', orphans);
  return out;
}

/** `boundNodes` holds pairs (node ordinal, index of its first edge). */
function tallyBound(L: Layout, boundNodes: number[], namedKind: Int8Array): Map<string, SizeCount> {
  const { nodes, edges, strings } = L.file;
  const out = new Map<string, SizeCount>();
  for (let i = 0; i < boundNodes.length; i += 2) {
    const k = (boundNodes[i] as number) * L.nodeFields;
    const start = (boundNodes[i + 1] as number) * L.edgeFields;
    const end = start + (nodes[k + L.edgeCountOff] as number) * L.edgeFields;
    let target = '(unknown)';
    for (let e = start; e < end; e += L.edgeFields) {
      const edgeType = edges[e + L.edgeTypeOff];
      if (edgeType === L.elementEdge || edgeType === L.hiddenEdge || strings[edges[e + L.edgeNameOff] as number] !== 'bound_function') continue;
      const to = edges[e + L.edgeToOff] as number;
      if (to >= 0 && to < nodes.length && to % L.nodeFields === 0) target = labelOf(nodeLabelKey(L, to / L.nodeFields, namedKind), L);
      break;
    }
    bump(out, target, nodes[k + L.sizeOff] as number);
  }
  return out;
}

/** Rows of (after − before) / n for every label that changed, largest byte growth first, at most `top`. */
function deltaRows(before: Map<string, SizeCount>, after: Map<string, SizeCount>, n: number, top: number): HeapDeltaRow[] {
  const rows: HeapDeltaRow[] = [];
  for (const name of new Set([...before.keys(), ...after.keys()])) {
    const b = before.get(name) ?? { bytes: 0, count: 0 };
    const a = after.get(name) ?? { bytes: 0, count: 0 };
    if (a.bytes === b.bytes && a.count === b.count) continue;
    rows.push({ name, bytesPerConn: (a.bytes - b.bytes) / n, objectsPerConn: (a.count - b.count) / n });
  }
  rows.sort((x, y) => y.bytesPerConn - x.bytesPerConn || y.objectsPerConn - x.objectsPerConn || (x.name < y.name ? -1 : 1));
  return rows.slice(0, top);
}

/**
 * Per-connection difference of two tallies. `n` is the number of connections held in `after` and not in
 * `before` (> 0); `top` caps each table (default 25).
 */
export function diffHeapTallies(before: HeapTally, after: HeapTally, n: number, top = 25): HeapDeltaSummary {
  return {
    n,
    totalBytesPerConn: (after.totalBytes - before.totalBytes) / n,
    before: { bytes: before.totalBytes, count: before.nodeCount },
    after: { bytes: after.totalBytes, count: after.nodeCount },
    byName: deltaRows(before.byName, after.byName, n, top),
    backingByOwner: deltaRows(before.backingByOwner, after.backingByOwner, n, top),
    boundByTarget: deltaRows(before.boundByTarget, after.boundByTarget, n, top),
  };
}

/** {@link tallyHeapSnapshot} both snapshots, then {@link diffHeapTallies}; `n` must be a positive integer. */
export function summarizeHeapSnapshots(before: unknown, after: unknown, n: number, top = 25): Result<HeapDeltaSummary> {
  if (!(Number.isInteger(n) && n > 0)) return fail('BENCH_ARG_RANGE', `n must be a positive integer, got ${n}`);
  const b = tallyHeapSnapshot(before);
  if (!b.ok) return fail(b.error.code, `before: ${b.error.message}`);
  const a = tallyHeapSnapshot(after);
  if (!a.ok) return fail(a.error.code, `after: ${a.error.message}`);
  return ok(diffHeapTallies(b.value, a.value, n, top));
}
