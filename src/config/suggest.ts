/**
 * "Did you mean …?" for an unknown config key: the keys the schema allows where the typo was, and the
 * one the operator probably meant. Reads zod's internal definitions (shape, defaults, pipes, unions),
 * only the little described by SchemaDef; a node it does not know gives no suggestion, never an error.
 */

interface SchemaDef {
  type: string;
  shape?: Record<string, SchemaNode>;
  innerType?: SchemaNode;
  in?: SchemaNode;
  out?: SchemaNode;
  options?: SchemaNode[];
  element?: SchemaNode;
}
/** The little of zod's internal definition that knownKeysAt reads. */
interface SchemaNode {
  _zod: { def: SchemaDef };
}

/** The keys the schema allows at a path (empty when it cannot tell), for "did you mean" on a typo. */
export function knownKeysAt(schema: unknown, keyPath: PropertyKey[]): string[] {
  let node: SchemaNode | undefined = schema as SchemaNode;
  const unwrap = (n: SchemaNode | undefined): SchemaNode | undefined => {
    for (let i = 0; n && i < 10; i++) {
      const d: SchemaDef = n._zod.def;
      if (d.innerType) n = d.innerType;
      else if (d.type === 'pipe') n = d.out?._zod.def.type === 'transform' ? d.in : d.out;
      else break;
    }
    return n;
  };
  for (const k of keyPath) {
    const d: SchemaDef | undefined = unwrap(node)?._zod.def;
    if (d?.type === 'array' && typeof k === 'number') node = d.element;
    else if (d?.type === 'union') {
      // database: the backends' keys together (a typo is rarely the other backend's key).
      const shapes = (d.options ?? []).map((o: SchemaNode) => unwrap(o)?._zod.def.shape ?? {});
      node = shapes.map((sh: Record<string, SchemaNode>) => sh[String(k)]).find((n: SchemaNode | undefined) => n !== undefined);
    } else node = d?.shape?.[String(k)];
  }
  const d: SchemaDef | undefined = unwrap(node)?._zod.def;
  if (d?.type === 'union') return [...new Set((d.options ?? []).flatMap((o) => Object.keys(unwrap(o)?._zod.def.shape ?? {})))];
  return Object.keys(d?.shape ?? {});
}

/**
 * The known key `key` was probably meant to be: within two edits (a missing or swapped letter, a hyphen
 * for an underscore), else the one key that only adds a unit (`timeout` → `timeout_ms`). Null if none.
 */
export function closestKey(key: string, known: string[]): string | null {
  const typed = key.toLowerCase().replace(/-/g, '_');
  let best: string | null = null;
  let bestDistance = 3;
  for (const k of known) {
    const d = editDistance(typed, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  if (best !== null) return best;
  const longer = known.filter((k) => k.startsWith(`${typed}_`));
  return longer.length === 1 ? longer[0]! : null;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
