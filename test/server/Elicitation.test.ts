import { describe, expect, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import * as Elicitation from "../../src/server/Elicitation.js"

describe("Elicitation.requestedSchemaOf", () => {
  it("keeps types, descriptions and defaults (the conformance suite's SEP-1034 form)", () => {
    const form = Schema.Struct({
      name: Schema.optional(Schema.String.annotations({ description: "User name", default: "John Doe" })),
      age: Schema.optional(Schema.Int.annotations({ description: "User age", default: 30 })),
      score: Schema.optional(Schema.Number.annotations({ description: "User score", default: 95.5 })),
      status: Schema.optional(Schema.Literal("active", "inactive", "pending").annotations({ description: "User status", default: "active" })),
      verified: Schema.optional(Schema.Boolean.annotations({ description: "Verification status", default: true }))
    })
    expect(Elicitation.requestedSchemaOf(form)).toEqual({
      type: "object",
      required: [],
      properties: {
        name: { type: "string", description: "User name", default: "John Doe" },
        age: { type: "integer", description: "User age", default: 30 },
        score: { type: "number", description: "User score", default: 95.5 },
        status: { type: "string", description: "User status", enum: ["active", "inactive", "pending"], default: "active" },
        verified: { type: "boolean", description: "Verification status", default: true }
      }
    })
  })

  it("writes every enum style of SEP-1330", () => {
    const titled = (values: ReadonlyArray<readonly [string, string]>) =>
      Schema.Union(...values.map(([value, title]) => Schema.Literal(value).annotations({ title })))
    const form = Schema.Struct({
      untitledSingle: Schema.Literal("option1", "option2", "option3").annotations({ description: "Select one option" }),
      titledSingle: titled([["value1", "First Option"], ["value2", "Second Option"], ["value3", "Third Option"]])
        .annotations({ description: "Select one option with titles" }),
      legacyEnum: Schema.Literal("opt1", "opt2", "opt3").annotations({
        description: "Select one option (legacy)",
        jsonSchema: { enumNames: ["Option One", "Option Two", "Option Three"] }
      }),
      untitledMulti: Schema.Array(Schema.Literal("option1", "option2", "option3")).pipe(Schema.minItems(1), Schema.maxItems(3))
        .annotations({ description: "Select multiple options" }),
      titledMulti: Schema.Array(titled([["value1", "First Choice"], ["value2", "Second Choice"], ["value3", "Third Choice"]]))
        .pipe(Schema.minItems(1), Schema.maxItems(3))
        .annotations({ description: "Select multiple options with titles" })
    })
    const { properties } = Elicitation.requestedSchemaOf(form) as any
    expect(properties.untitledSingle).toEqual({ type: "string", description: "Select one option", enum: ["option1", "option2", "option3"] })
    expect(properties.titledSingle).toEqual({
      type: "string",
      description: "Select one option with titles",
      oneOf: [{ const: "value1", title: "First Option" }, { const: "value2", title: "Second Option" }, { const: "value3", title: "Third Option" }]
    })
    expect(properties.legacyEnum).toEqual({
      type: "string",
      description: "Select one option (legacy)",
      enum: ["opt1", "opt2", "opt3"],
      enumNames: ["Option One", "Option Two", "Option Three"]
    })
    expect(properties.untitledMulti).toEqual({
      type: "array",
      description: "Select multiple options",
      minItems: 1,
      maxItems: 3,
      items: { type: "string", enum: ["option1", "option2", "option3"] }
    })
    expect(properties.titledMulti).toEqual({
      type: "array",
      description: "Select multiple options with titles",
      minItems: 1,
      maxItems: 3,
      items: { anyOf: [{ const: "value1", title: "First Choice" }, { const: "value2", title: "Second Choice" }, { const: "value3", title: "Third Choice" }] }
    })
  })

  it("keeps user titles, drops the names Effect gives refinements, and refuses nested objects", () => {
    const form = Schema.Struct({
      // A `jsonSchema` annotation replaces what its node would give: put it under the refinements.
      email: Schema.String.annotations({ jsonSchema: { format: "email" } }).pipe(Schema.minLength(3)).annotations({ title: "Email" }),
      count: Schema.Int.pipe(Schema.between(1, 5))
    })
    const { properties } = Elicitation.requestedSchemaOf(form) as any
    expect(properties.email.title).toBe("Email")
    expect(properties.email.format).toBe("email")
    expect(properties.email.minLength).toBe(3)
    expect(properties.count.title).toBeUndefined()
    expect(properties.count).toMatchObject({ type: "integer", minimum: 1, maximum: 5 })
    expect(() => Elicitation.requestedSchemaOf(Schema.Struct({ nested: Schema.Struct({ a: Schema.String }) })))
      .toThrow(Elicitation.ElicitationSchemaError)
    expect(() => Elicitation.requestedSchemaOf(Schema.String)).toThrow(/struct of primitive fields/)
  })
})
