// The one declaration of the platform's Lambda functions and HTTP routes. The CDK API stack
// creates a function and its routes from each entry; the local server (`npm start`) serves the
// same routes from the same handler modules.
import type { BucketId, TableId } from '../config/resources';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteDefinition {
  readonly method: HttpMethod;
  /** API Gateway path, with {param} placeholders. */
  readonly path: string;
}

/** What a function may touch: the CDK stack turns this into least-privilege grants. */
export interface AccessDefinition {
  readonly tables?: Partial<Record<TableId, 'read' | 'readwrite'>>;
  readonly buckets?: Partial<Record<BucketId, 'read' | 'readwrite'>>;
  readonly publishEvents?: boolean;
}

export interface FunctionDefinition {
  readonly id: string;
  readonly description: string;
  /** Handler module relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly routes: readonly RouteDefinition[];
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** Ships onnxruntime-node (kept external, pruned to linux-arm64). */
  readonly usesOnnxRuntime: boolean;
  readonly access: AccessDefinition;
}

export const FUNCTIONS: readonly FunctionDefinition[] = [
  {
    id: 'health',
    description: 'Liveness and deployment identity',
    entry: 'functions/health/handler.ts',
    routes: [{ method: 'GET', path: '/api/ml/health' }],
    memoryMb: 256,
    timeoutSeconds: 5,
    usesOnnxRuntime: false,
    access: {},
  },
];

/** All routes with the function that serves each. */
export function allRoutes(functions: readonly FunctionDefinition[] = FUNCTIONS): { route: RouteDefinition; fn: FunctionDefinition }[] {
  return functions.flatMap((fn) => fn.routes.map((route) => ({ route, fn })));
}
