/** Builds small `.heapsnapshot` objects for the heap-snapshot tests, in V8's layout (Node 20 meta). */
import type { HeapSnapshotFile } from '../../../tools/bench/heap-snapshot';

export const NODE_FIELDS = ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'];
export const NODE_TYPES = ['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native', 'synthetic', 'concatenated string', 'sliced string', 'symbol', 'bigint', 'object shape'];
export const EDGE_FIELDS = ['type', 'name_or_index', 'to_node'];
export const EDGE_TYPES = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'];

/** An edge: [edge type, name (named edges) or index (element/hidden), target node ordinal]. */
export type FixtureEdge = [string, string | number, number];

export interface FixtureNode {
  type: string;
  name: string;
  size: number;
  edges?: FixtureEdge[];
}

/** Lays the nodes out as V8 does; `nodeFields` may reorder the node fields (same names). */
export function buildSnapshot(list: FixtureNode[], nodeFields: string[] = NODE_FIELDS): HeapSnapshotFile {
  const strings: string[] = [''];
  const str = (s: string): number => {
    const i = strings.indexOf(s);
    return i >= 0 ? i : strings.push(s) - 1;
  };
  const nodes: number[] = [];
  const edges: number[] = [];
  list.forEach((node, ordinal) => {
    const values: Record<string, number> = {
      type: NODE_TYPES.indexOf(node.type),
      name: str(node.name),
      id: ordinal * 2 + 1,
      self_size: node.size,
      edge_count: node.edges?.length ?? 0,
      trace_node_id: 0,
      detachedness: 0,
    };
    if (values['type'] === -1) throw new Error(`fixture: unknown node type ${node.type}`);
    for (const field of nodeFields) nodes.push(values[field] as number);
    for (const [type, nameOrIndex, to] of node.edges ?? []) {
      if (!EDGE_TYPES.includes(type)) throw new Error(`fixture: unknown edge type ${type}`);
      edges.push(EDGE_TYPES.indexOf(type), typeof nameOrIndex === 'number' ? nameOrIndex : str(nameOrIndex), to * nodeFields.length);
    }
  });
  return {
    snapshot: {
      meta: { node_fields: nodeFields, node_types: [NODE_TYPES, 'string', 'number'], edge_fields: EDGE_FIELDS, edge_types: [EDGE_TYPES, 'string_or_number', 'node'] },
      node_count: list.length,
      edge_count: edges.length / EDGE_FIELDS.length,
    },
    nodes,
    edges,
    strings,
  };
}

/** A root plus `sockets` held connections: Socket (dictionary-mode properties), its onwrite bind and a TCP wrap. */
export function connectionsHeap(sockets: number): HeapSnapshotFile {
  const list: FixtureNode[] = [
    { type: 'synthetic', name: '(GC roots)', size: 0, edges: [] },
    { type: 'closure', name: 'onwrite', size: 32 },
    { type: 'string', name: 'hello', size: 20 },
  ];
  const rootEdges = (list[0] as FixtureNode).edges as FixtureEdge[];
  for (let i = 0; i < sockets; i++) {
    const socket = list.length;
    rootEdges.push(['element', i + 1, socket]);
    list.push(
      { type: 'object', name: 'Socket', size: 264, edges: [['internal', 'properties', socket + 1], ['property', 'onwrite', socket + 2]] },
      { type: 'array', name: '(object properties)', size: 448 },
      { type: 'closure', name: 'native_bind', size: 48, edges: [['internal', 'bound_function', 1], ['internal', 'bindings', socket + 3]] },
      { type: 'array', name: '', size: 24 },
      { type: 'synthetic', name: 'Node / TCPSocketWrap', size: 408 },
    );
  }
  return buildSnapshot(list);
}
