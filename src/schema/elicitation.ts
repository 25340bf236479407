/**
 * Elicitation: `elicitation/create` (a server request in 2025-06-18 and 2025-11-25, an input
 * request in 2026-07-28) and `notifications/elicitation/complete` (2025-11-25 only).
 *
 * Era notes: 2025-06-18 has form elicitation only (no `mode`); 2025-11-25 adds URL mode
 * (`mode: "url"` with `elicitationId`), titled / multi-select enums, `default` values and the
 * `task` param; 2026-07-28 drops `elicitationId` from URL mode (optional here).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import {
  JsonKey,
  NonNegativeInt,
  NotificationParamsFields,
  OpenRecord,
  RequestParamsFields,
  ResultFields
} from "./base.js"
import { TaskMetadata } from "./tasks.js"

const Described = {
  title: Schema.optional(Schema.String),
  description: Schema.optional(Schema.String)
}

/** A string field of an elicitation form. */
export const StringSchema = Schema.Struct({
  type: Schema.Literal("string"),
  ...Described,
  minLength: Schema.optional(NonNegativeInt),
  maxLength: Schema.optional(NonNegativeInt),
  format: Schema.optional(Schema.Literal("email", "uri", "date", "date-time")),
  default: Schema.optional(Schema.String)
}).annotations({ identifier: "StringSchema" })
export type StringSchema = typeof StringSchema.Type

/** A number or integer field of an elicitation form. */
export const NumberSchema = Schema.Struct({
  type: Schema.Literal("number", "integer"),
  ...Described,
  minimum: Schema.optional(Schema.Finite),
  maximum: Schema.optional(Schema.Finite),
  default: Schema.optional(Schema.Finite)
}).annotations({ identifier: "NumberSchema" })
export type NumberSchema = typeof NumberSchema.Type

/** A boolean field of an elicitation form. */
export const BooleanSchema = Schema.Struct({
  type: Schema.Literal("boolean"),
  ...Described,
  default: Schema.optional(Schema.Boolean)
}).annotations({ identifier: "BooleanSchema" })
export type BooleanSchema = typeof BooleanSchema.Type

/** A single choice among plain values (2025-11-25). */
export const UntitledSingleSelectEnumSchema = Schema.Struct({
  type: Schema.Literal("string"),
  ...Described,
  enum: Schema.Array(Schema.String),
  default: Schema.optional(Schema.String)
}).annotations({ identifier: "UntitledSingleSelectEnumSchema" })
export type UntitledSingleSelectEnumSchema = typeof UntitledSingleSelectEnumSchema.Type

/** A value with its display title (an option of titled enums). */
export const TitledOption = Schema.Struct({ const: Schema.String, title: Schema.String }).annotations({
  identifier: "TitledOption"
})
export type TitledOption = typeof TitledOption.Type

/** A single choice among titled values (2025-11-25). */
export const TitledSingleSelectEnumSchema = Schema.Struct({
  type: Schema.Literal("string"),
  ...Described,
  oneOf: Schema.Array(TitledOption),
  default: Schema.optional(Schema.String)
}).annotations({ identifier: "TitledSingleSelectEnumSchema" })
export type TitledSingleSelectEnumSchema = typeof TitledSingleSelectEnumSchema.Type

/** A single-choice enum, plain or titled. */
export const SingleSelectEnumSchema = Schema.Union(TitledSingleSelectEnumSchema, UntitledSingleSelectEnumSchema).annotations({
  identifier: "SingleSelectEnumSchema"
})
export type SingleSelectEnumSchema = typeof SingleSelectEnumSchema.Type

const ArrayBounds = {
  minItems: Schema.optional(NonNegativeInt),
  maxItems: Schema.optional(NonNegativeInt),
  default: Schema.optional(Schema.Array(Schema.String))
}

/** Several choices among plain values (2025-11-25). */
export const UntitledMultiSelectEnumSchema = Schema.Struct({
  type: Schema.Literal("array"),
  ...Described,
  ...ArrayBounds,
  items: Schema.Struct({ type: Schema.Literal("string"), enum: Schema.Array(Schema.String) })
}).annotations({ identifier: "UntitledMultiSelectEnumSchema" })
export type UntitledMultiSelectEnumSchema = typeof UntitledMultiSelectEnumSchema.Type

/** Several choices among titled values (2025-11-25). */
export const TitledMultiSelectEnumSchema = Schema.Struct({
  type: Schema.Literal("array"),
  ...Described,
  ...ArrayBounds,
  items: Schema.Struct({ anyOf: Schema.Array(TitledOption) })
}).annotations({ identifier: "TitledMultiSelectEnumSchema" })
export type TitledMultiSelectEnumSchema = typeof TitledMultiSelectEnumSchema.Type

/** A multiple-choice enum, plain or titled. */
export const MultiSelectEnumSchema = Schema.Union(TitledMultiSelectEnumSchema, UntitledMultiSelectEnumSchema).annotations({
  identifier: "MultiSelectEnumSchema"
})
export type MultiSelectEnumSchema = typeof MultiSelectEnumSchema.Type

/** The enum of 2025-06-18: values with optional display names (`enumNames`, deprecated since 2025-11-25). */
export const LegacyTitledEnumSchema = Schema.Struct({
  type: Schema.Literal("string"),
  ...Described,
  enum: Schema.Array(Schema.String),
  enumNames: Schema.optional(Schema.Array(Schema.String)),
  default: Schema.optional(Schema.String)
}).annotations({ identifier: "LegacyTitledEnumSchema" })
export type LegacyTitledEnumSchema = typeof LegacyTitledEnumSchema.Type

/**
 * Any enum field. Decoding tries the variants with the most specific shape first, so that no
 * field is dropped: a plain enum decodes as `LegacyTitledEnumSchema` (its superset).
 */
export const EnumSchema = Schema.Union(
  TitledSingleSelectEnumSchema,
  LegacyTitledEnumSchema,
  UntitledSingleSelectEnumSchema,
  TitledMultiSelectEnumSchema,
  UntitledMultiSelectEnumSchema
).annotations({ identifier: "EnumSchema" })
export type EnumSchema = typeof EnumSchema.Type

/**
 * A field of an elicitation form: a flat primitive (no nesting). The enum variants come first
 * (and flat: a nested union would be tried after the plain `StringSchema`) so no field is lost.
 */
export const PrimitiveSchemaDefinition = Schema.Union(
  ...EnumSchema.members,
  StringSchema,
  NumberSchema,
  BooleanSchema
).annotations({ identifier: "PrimitiveSchemaDefinition" })
export type PrimitiveSchemaDefinition = typeof PrimitiveSchemaDefinition.Type

/** The form of a form elicitation: an object schema of primitive fields. */
export const ElicitationRequestedSchema = Schema.Struct({
  $schema: Schema.optional(Schema.String),
  type: Schema.Literal("object"),
  properties: Schema.Record({ key: JsonKey, value: PrimitiveSchemaDefinition }),
  required: Schema.optional(Schema.Array(Schema.String))
}).annotations({ identifier: "ElicitationRequestedSchema" })
export type ElicitationRequestedSchema = typeof ElicitationRequestedSchema.Type

/** Params of a form elicitation (`mode` absent or `"form"`). */
export const ElicitRequestFormParams = Schema.Struct({
  ...RequestParamsFields,
  mode: Schema.optional(Schema.Literal("form")),
  message: Schema.String,
  requestedSchema: ElicitationRequestedSchema,
  task: Schema.optional(TaskMetadata)
}).annotations({ identifier: "ElicitRequestFormParams" })
export type ElicitRequestFormParams = typeof ElicitRequestFormParams.Type

/** Params of a URL elicitation (since 2025-11-25): the user completes it out of band at `url`. */
export const ElicitRequestURLParams = Schema.Struct({
  ...RequestParamsFields,
  mode: Schema.Literal("url"),
  message: Schema.String,
  /** Required in 2025-11-25, absent in 2026-07-28. */
  elicitationId: Schema.optional(Schema.String),
  url: Schema.String,
  task: Schema.optional(TaskMetadata)
}).annotations({ identifier: "ElicitRequestURLParams" })
export type ElicitRequestURLParams = typeof ElicitRequestURLParams.Type

/** Params of `elicitation/create`: URL mode or form mode. */
export const ElicitRequestParams = Schema.Union(ElicitRequestURLParams, ElicitRequestFormParams).annotations({
  identifier: "ElicitRequestParams"
})
export type ElicitRequestParams = typeof ElicitRequestParams.Type

/** A value of a submitted form field (string arrays for multi-select since 2025-11-25). */
export const ElicitValue = Schema.Union(Schema.String, Schema.Finite, Schema.Boolean, Schema.Array(Schema.String)).annotations({
  identifier: "ElicitValue"
})
export type ElicitValue = typeof ElicitValue.Type

/** Result of `elicitation/create`: the user's action and, on accept in form mode, the values. */
export const ElicitResult = Schema.Struct(
  {
    ...ResultFields,
    action: Schema.Literal("accept", "decline", "cancel"),
    content: Schema.optional(Schema.Record({ key: JsonKey, value: ElicitValue }))
  },
  OpenRecord
).annotations({ identifier: "ElicitResult" })
export type ElicitResult = typeof ElicitResult.Type

/** Params of `notifications/elicitation/complete` (2025-11-25): a URL elicitation finished. */
export const ElicitationCompleteNotificationParams = Schema.Struct({
  ...NotificationParamsFields,
  elicitationId: Schema.String
}).annotations({ identifier: "ElicitationCompleteNotificationParams" })
export type ElicitationCompleteNotificationParams = typeof ElicitationCompleteNotificationParams.Type

/** `error.data` of a URL-elicitation-required error (code -32042, 2025-11-25). */
export const URLElicitationRequiredErrorData = Schema.Struct(
  { elicitations: Schema.Array(ElicitRequestURLParams) },
  OpenRecord
).annotations({ identifier: "URLElicitationRequiredErrorData" })
export type URLElicitationRequiredErrorData = typeof URLElicitationRequiredErrorData.Type
