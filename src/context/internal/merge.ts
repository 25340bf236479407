/**
 * Three-way merge of JSON values from their common ancestor: the changes from `base` to
 * `ours` and from `base` to `theirs` (RFC 6902, one operation per changed place) merge when
 * no change of one side touches a place the other side changed differently.
 *
 * @internal
 */
import * as Either from "effect/Either"
import * as Json from "../Json.js"

/** The merged value, or the paths both sides changed differently. */
export const threeWay = (base: unknown, ours: unknown, theirs: unknown): Either.Either<unknown, ReadonlyArray<string>> => {
  const mine = Json.diff(base, ours)
  const other = Json.diff(base, theirs)
  const conflicts = new Set<string>()
  const pending: Array<Json.PatchOperation> = []
  for (const change of other) {
    const same = mine.find((op) => op.path === change.path && op.op === change.op && Json.equals(valueOf(op), valueOf(change)))
    if (same !== undefined) continue
    const clash = mine.filter((op) => Json.overlaps(op.path, change.path))
    if (clash.length > 0) {
      conflicts.add(change.path)
      for (const op of clash) conflicts.add(op.path)
    } else {
      pending.push(change)
    }
  }
  if (conflicts.size > 0) return Either.left([...conflicts].sort())
  // No change of `theirs` touches a place `ours` changed, so each one applies to `ours` as it did to `base`.
  return Either.mapLeft(Json.applyPatch(ours, pending), (reason) => [reason])
}

const valueOf = (op: Json.PatchOperation): unknown => "value" in op ? op.value : undefined
