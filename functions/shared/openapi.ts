// The OpenAPI 3.1 document of the HTTP API, built from the route catalogue (config/functions.ts)
// and each function's schema.ts: the same zod schemas the handlers validate with, turned into
// JSON Schema (draft 2020-12, OpenAPI 3.1's dialect) by zod's toJSONSchema. A catalogue route
// without a schema, or a schema for a route the catalogue lacks, fails the build — and so the
// test that builds it. Served at GET /api/ml/openapi.json.
import { z } from 'zod';
import { FUNCTIONS, type FunctionDefinition } from '../../config/functions';
import { XdrError } from '../../core/errors';
import { ROUTES as abTest } from '../ab-test/schema';
import { ROUTES as audit } from '../audit/schema';
import { ROUTES as federated } from '../federated/schema';
import { ROUTES as feedback } from '../feedback/schema';
import { ROUTES as health } from '../health/schema';
import { ROUTES as models } from '../models/schema';
import { ROUTES as predict } from '../predict/schema';
import { ROUTES as resourceUsage } from '../resource-usage/schema';
import { ROUTES as retraining } from '../retraining/schema';
import { ROUTES as trainingData } from '../training-data/schema';
import type { RouteSchema, RouteSchemas } from './route-schema';

/** Every function's route contracts, by catalogue id. */
export const ROUTE_SCHEMAS: Readonly<Record<string, RouteSchemas>> = {
  health,
  'training-data': trainingData,
  predict,
  federated,
  feedback,
  models,
  'ab-test': abTest,
  audit,
  retraining,
  'resource-usage': resourceUsage,
};

/** A route of the catalogue without its contract, or the other way round. */
export class OpenApiContractError extends XdrError {
  override readonly name: string = 'OpenApiContractError';
}

type JsonSchema = Record<string, unknown>;

export interface OpenApiDocument {
  readonly openapi: '3.1.0';
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly paths: Record<string, Record<string, Record<string, unknown>>>;
  readonly components: Record<string, unknown>;
  readonly security: readonly Record<string, readonly string[]>[];
  readonly servers?: readonly { readonly url: string }[];
}

function jsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

/** Path or query parameters from an object schema's properties. */
function parameters(schema: z.ZodType | undefined, where: 'path' | 'query', example: Readonly<Record<string, string>> | undefined): Record<string, unknown>[] {
  if (!schema) return [];
  const object = jsonSchema(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (object.required ?? []).includes(name),
    schema: property,
    ...(example?.[name] !== undefined ? { example: example[name] } : {}),
  }));
}

const ERROR_RESPONSE = { $ref: '#/components/schemas/Error' };
const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: ERROR_RESPONSE } } });

function operation(fn: FunctionDefinition, key: string, route: RouteSchema): Record<string, unknown> {
  const success = route.success ?? { status: 200, description: 'OK' };
  const errors: Record<string, unknown> = {
    400: errorResponse('invalid input: every failing field named in details'),
    ...Object.fromEntries(Object.entries(route.errors ?? {}).map(([status, description]) => [status, errorResponse(description)])),
    500: errorResponse('unexpected failure: a generic message and the correlation id, never internals'),
  };
  return {
    operationId: `${fn.id}:${key}`,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [fn.id],
    parameters: [...parameters(route.params, 'path', route.example?.params), ...parameters(route.query, 'query', route.example?.query)],
    ...(route.body
      ? {
          requestBody: {
            required: !(route.body.safeParse(undefined).success as boolean),
            content: { 'application/json': { schema: jsonSchema(route.body), ...(route.example?.body !== undefined ? { example: route.example.body } : {}) } },
          },
        }
      : {}),
    responses: {
      [success.status]: {
        description: success.description,
        content: { 'application/json': { schema: { type: 'object' }, ...(route.example?.response !== undefined ? { example: route.example.response } : {}) } },
      },
      ...errors,
    },
  };
}

/**
 * The OpenAPI document of the catalogue's routes. Throws OpenApiContractError naming every route
 * that lacks a schema (or a schema whose route is not in the catalogue).
 * @example const doc = buildOpenApi({ version: config.codeVersion });
 */
export function buildOpenApi(
  options: { functions?: readonly FunctionDefinition[]; schemas?: Readonly<Record<string, RouteSchemas>>; version?: string; serverUrl?: string } = {},
): OpenApiDocument {
  const functions = options.functions ?? FUNCTIONS;
  const schemas = options.schemas ?? ROUTE_SCHEMAS;
  const problems: string[] = [];
  const paths: OpenApiDocument['paths'] = {};
  for (const fn of functions) {
    const declared = schemas[fn.id] ?? {};
    const keys = new Set(fn.routes.map((r) => `${r.method} ${r.path}`));
    for (const route of fn.routes) {
      const key = `${route.method} ${route.path}`;
      const contract = declared[key];
      if (!contract) {
        problems.push(`${key} (function ${fn.id}) has no schema in functions/${fn.id}/schema.ts`);
        continue;
      }
      (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(fn, key, contract);
    }
    for (const key of Object.keys(declared)) if (!keys.has(key)) problems.push(`functions/${fn.id}/schema.ts describes ${key}, which is not in the catalogue`);
  }
  if (problems.length > 0) throw new OpenApiContractError(`the OpenAPI contract does not match the route catalogue: ${problems.join('; ')}`);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Mini-XDR ML',
      version: options.version ?? '0.0.0',
      description:
        'Serverless MLOps for network-intrusion-detection models. In AWS every route requires IAM (SigV4) authorisation; locally the server binds to 127.0.0.1. Errors answer { error, message, details?, correlationId }.',
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    paths,
    components: {
      schemas: {
        Error: {
          type: 'object',
          required: ['error', 'message'],
          properties: {
            error: { type: 'string' },
            message: { type: 'string' },
            details: {},
            correlationId: { type: 'string' },
          },
        },
      },
      securitySchemes: {
        sigv4: {
          type: 'apiKey',
          name: 'Authorization',
          in: 'header',
          description: 'AWS Signature Version 4 (service execute-api), e.g. awscurl --service execute-api or xdr-ml api',
          'x-amazon-apigateway-authtype': 'awsSigv4',
        },
      },
    },
    security: [{ sigv4: [] }],
  };
}
