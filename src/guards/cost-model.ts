/**
 * The shape of the upstream-call weights each subgraph declares next to its connector (a subgraph's
 * `COSTS`): how many vendor calls resolving a field makes, per parent object, and how many children
 * a list field has (its `first` argument or a fixed bound), so nested lists multiply through.
 */
export interface FieldCost {
  /** Upstream calls per parent object. Fractions are batched calls: 0.1 = one call per 10 parents. */
  calls: number;
  /** How many items the field returns, multiplying its selection's cost. */
  items?: { arg: string; default: number } | { fixed: number };
}

/** `Type.field` -> cost. Fields absent here cost nothing of their own (they come with their parent's call). */
export type CostTable = Readonly<Record<string, FieldCost>>;
