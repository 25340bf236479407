/**
 * The title and description a user gave a field, told apart from the ones Effect gives its
 * built-in schemas (`Schema.String` is titled "string", `Schema.Int` "int", `minLength(3)`…),
 * which mean nothing to the person reading a form or a prompt's arguments.
 */
import * as Option from "effect/Option"
import * as AST from "effect/SchemaAST"

const KEYWORDS: Partial<Record<AST.AST["_tag"], AST.AST>> = {
  StringKeyword: AST.stringKeyword,
  NumberKeyword: AST.numberKeyword,
  BooleanKeyword: AST.booleanKeyword,
  BigIntKeyword: AST.bigIntKeyword,
  UnknownKeyword: AST.unknownKeyword,
  AnyKeyword: AST.anyKeyword,
  ObjectKeyword: AST.objectKeyword
}

/** The name Effect gives a refinement (`int`, `minLength(3)`): not a title. */
export const GENERATED_TITLE = /^[a-z][A-Za-z0-9]*(\(.*\))?$/

/** Whether `value` (the annotation `get` reads on `ast`) is one Effect set, not the user. */
export const isBuiltIn = (ast: AST.AST, get: (annotated: AST.Annotated) => Option.Option<string>, value: string): boolean => {
  const keyword = KEYWORDS[ast._tag]
  if (keyword !== undefined) return Option.getOrUndefined(get(keyword)) === value
  return get === AST.getTitleAnnotation && AST.isRefinement(ast) && GENERATED_TITLE.test(value)
}

/** The field's type without the `undefined` that `Schema.optional` adds. */
export const fieldType = (signature: AST.PropertySignature): AST.AST =>
  signature.isOptional && AST.isUnion(signature.type)
    ? signature.type.types.find((t) => !AST.isUndefinedKeyword(t)) ?? signature.type
    : signature.type

/** The user's annotation of a struct field: on the property signature, else on its type. */
export const fieldAnnotation = (
  signature: AST.PropertySignature,
  get: (annotated: AST.Annotated) => Option.Option<string>
): string | undefined => {
  const own = get(signature)
  if (Option.isSome(own)) return own.value
  const type = fieldType(signature)
  const value = Option.getOrUndefined(get(type))
  return value === undefined || isBuiltIn(type, get, value) ? undefined : value
}
