// Types of scripts/gen-config-types.mjs, for src/config/generated-types.test.ts.
export declare const SCHEMA_NAMES: readonly string[];
export declare function generatedPath(name: string): string;
export declare function schemaForTypes(schema: Record<string, unknown>): Record<string, unknown>;
export declare function generateConfigTypes(): Promise<Record<string, string>>;
