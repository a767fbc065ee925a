import {
  BinaryOperationNode,
  OperationNodeTransformer,
  OperatorNode,
  PrimitiveValueListNode,
  RawNode,
  ValueListNode,
  ValueNode,
  type KyselyPlugin,
  type OperationNode,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';

/**
 * PostgreSQL: `col in (1, 2, …, n)` becomes `col = any($1)` with the integers as one array
 * parameter (and `not in` becomes `<> all($1)`); the same rows either way.
 *
 * Why: a list of n parameters is a different statement text for every n, so the batched reads
 * and writes of a reconnect storm (certificate serials, open commands, presence rows: lists of
 * 1–500 ids) were parsed and planned anew on every call and never became named statements
 * (ADR 0011) — planning was 12 % of PostgreSQL's CPU in a 100,000-device storm. With one array
 * parameter each query has one text: it is named after a few runs, parsed once per connection,
 * and PostgreSQL infers the array's type from the column (no cast, so it suits any integer column).
 *
 * Only non-empty lists whose every value is a safe integer change; lists of text, of
 * expressions or containing null stay as they are (an empty list is the caller's error either way).
 */
export class IdListsAsArrays implements KyselyPlugin {
  private readonly transformer = new IdListTransformer();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.transformer.transformNode(args.node);
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }
}

const REWRITES: Record<string, { operator: string; quantifier: string }> = {
  in: { operator: '=', quantifier: 'any' },
  'not in': { operator: '<>', quantifier: 'all' },
};

class IdListTransformer extends OperationNodeTransformer {
  protected override transformBinaryOperation(node: BinaryOperationNode): BinaryOperationNode {
    const rewrite = OperatorNode.is(node.operator) ? REWRITES[node.operator.operator] : undefined;
    const ids = rewrite ? integerList(node.rightOperand) : null;
    if (!rewrite || !ids) return super.transformBinaryOperation(node);
    return BinaryOperationNode.create(
      this.transformNode(node.leftOperand),
      OperatorNode.create(rewrite.operator as '='),
      RawNode.create([`${rewrite.quantifier}(`, ')'], [ValueNode.create(ids)]),
    );
  }
}

/** The values of a list of integers given as parameters; null for anything else. */
function integerList(node: OperationNode): number[] | null {
  let values: readonly unknown[];
  if (PrimitiveValueListNode.is(node)) values = node.values;
  else if (ValueListNode.is(node)) {
    if (!node.values.every((v) => ValueNode.is(v) && !v.immediate)) return null;
    values = node.values.map((v) => (v as ValueNode).value);
  } else return null;
  if (values.length === 0 || !values.every((v) => typeof v === 'number' && Number.isSafeInteger(v))) return null;
  return values as number[];
}
