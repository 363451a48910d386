import { z } from 'zod';
import { protocolDefinitions, type ProtocolDefinition } from '../protocol.js';
import { baseProfileShape, positiveMsSchema } from './schema.js';

/**
 * The whole profile schema: the kernel's fields plus every registered protocol's endpoint section and
 * essential-function kind. Built once per list of definitions.
 */
const built = new WeakMap<readonly ProtocolDefinition[], z.ZodType>();

export function profileSchemaFor(definitions: readonly ProtocolDefinition[] = protocolDefinitions()): z.ZodType {
  let schema = built.get(definitions);
  if (schema) return schema;
  const endpoints: Record<string, z.ZodType> = {};
  const essentialKinds: z.ZodType[] = [];
  for (const definition of definitions) {
    if (definition.endpoint) endpoints[definition.endpoint.key] = definition.endpoint.schema.optional();
    if (definition.essentialFunction) {
      const { key, schema: kind } = definition.essentialFunction;
      essentialKinds.push(z.strictObject({ name: z.string().min(1), [key]: kind, maxLatencyMs: positiveMsSchema }));
    }
  }
  const essentialFunction =
    essentialKinds.length === 0 ? z.never() : essentialKinds.length === 1 ? essentialKinds[0]! : z.union(essentialKinds as [z.ZodType, z.ZodType, ...z.ZodType[]]);
  schema = z.strictObject({
    ...baseProfileShape,
    endpoints: z.strictObject(endpoints).default({}).describe('the component\'s interfaces, one section per protocol'),
    essentialFunctions: z.array(essentialFunction).default([]).describe('functions that must stay available under load (CR 7.1), each with one protocol\'s way to exercise it'),
  });
  built.set(definitions, schema);
  return schema;
}
